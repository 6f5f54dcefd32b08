//! The storefront's edge, between the network and the handlers: the HTTP server with its
//! timeouts, the headers every response carries, and the limits on what one client may ask.

pub mod headers;
pub mod limits;
pub mod serve;

pub use headers::{secure_headers, CspNonce};
pub use limits::{ClientAddress, Limits};
