//! Integration tests of the `petal` process, compiled as one binary.

mod api;
mod catalog;
mod edge;
mod matrix;
mod operations;
mod saga;
mod support;
