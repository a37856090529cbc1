"""What runs inside the sandbox: the zygote, its children, their confinement, the drivers that
call the student's functions, and the wire format.  Standard library and NumPy only: this
package is copied into each grading session and imported there as ``box``."""
