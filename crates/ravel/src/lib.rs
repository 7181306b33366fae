//! ravel runtime.
