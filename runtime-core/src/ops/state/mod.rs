//! Stateful ops: variable tensors, SVDF, UNIDIRECTIONAL_SEQUENCE_LSTM, resource variables.
