"""The grader: scores a student's submission against PyTorch in a sandbox."""
