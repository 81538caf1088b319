//! Session stores (placeholder).
