//! Elementwise unary ops and activations (LOGISTIC, TANH, HARD_SWISH, ...).
