"""Instructor reference: NumPy implementations of the course's activations, initializers,
losses and optimizers. NumPy only at run time; torch is used only by the tests."""
