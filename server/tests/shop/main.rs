//! Integration tests of the `petal` process, compiled as one binary.

mod catalog;
mod saga;
mod support;
