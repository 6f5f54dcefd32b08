//! Integration tests of the `petal` process, compiled as one binary.

mod api;
mod catalog;
mod edge;
mod florist;
mod matrix;
mod operations;
mod saga;
mod support;
