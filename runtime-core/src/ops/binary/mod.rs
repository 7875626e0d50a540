//! Elementwise binary ops (MUL, SUB, comparisons, MAXIMUM/MINIMUM, ...).
