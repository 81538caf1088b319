//! The lab seen from outside (placeholder).
