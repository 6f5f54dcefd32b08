//! Petal's wire contracts: the integration events contexts publish to each other, their routing
//! keys and versions, and which context subscribes to which. Data only: no I/O, no behaviour
//! beyond formatting, so the browser build can share these types too.

/// An enum that travels as one of a fixed set of words: `as_str`, `ALL`, serde, `FromStr`
/// and `TryFrom<String>` (for reading it back from a database column) from one list.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The word it travels as.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownWord;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == text)
                    .ok_or_else(|| $crate::UnknownWord {
                        what: stringify!($name),
                        word: text.to_owned(),
                        known: Self::ALL.iter().map(|value| value.as_str()).collect(),
                    })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::UnknownWord;

            fn try_from(text: String) -> Result<Self, Self::Error> {
                text.parse()
            }
        }
    };
}

/// Makes `$request` a [`Request`] answered by `$context` with `$reply` (kind `<kind>.reply`).
/// `$context` is the answering context's queue name, written out because `subscriptions` names
/// these types; `catalogue`'s tests hold the two to each other.
macro_rules! rpc {
    ($request:ident => $reply:ident, $context:literal, $kind:literal, version $version:literal) => {
        impl $crate::Request for $request {
            const CONTEXT: &'static str = $context;
            const KIND: &'static str = $kind;
            const VERSION: u16 = $version;
            type Reply = $reply;
        }

        impl $crate::Reply for $reply {
            const KIND: &'static str = concat!($kind, ".reply");
            const VERSION: u16 = $version;
        }
    };
}

pub mod catalogue;
pub mod delivery;
pub mod display;
pub mod florist;
pub mod inventory;
pub mod live;
mod money;
pub mod notification;
pub mod order;
pub mod payment;
pub mod progress;
pub mod rules;
pub mod subscriptions;

pub use money::Won;

use serde::{de::DeserializeOwned, Serialize};

/// An integration event: a fact one context states and others may react to.
///
/// The routing key doubles as the AMQP `type` property; `VERSION` travels in the
/// `event_version` header so a consumer can tell an old payload shape from a new one.
pub trait Event: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Routing key on the events exchange, `<context>.<fact>` in the past tense.
    const ROUTING_KEY: &'static str;
    /// Version of the payload shape; bump it when a field changes meaning or goes away.
    const VERSION: u16;
}

/// A question one context answers for another over RPC (request/response on the broker). It
/// names the context that answers, its kind and version, and the type of the answer, so asking
/// with the wrong answer type, or answering with one, does not compile.
pub trait Request: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The answering context (its RPC queue).
    const CONTEXT: &'static str;
    /// The AMQP `type` of the request, `<context>.<question>`.
    const KIND: &'static str;
    /// Version of the request's shape (its answer's shape moves with it).
    const VERSION: u16;
    type Reply: Reply;
}

/// The answer to a [`Request`].
pub trait Reply: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// `<request kind>.reply`.
    const KIND: &'static str;
    const VERSION: u16;
}

/// A text in the two languages the shop speaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Localized {
    pub ko: String,
    pub en: String,
}

/// A word that is none of an enum's: says which enum, the word, and the words it knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownWord {
    pub what: &'static str,
    pub word: String,
    pub known: Vec<&'static str>,
}

impl std::fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} is not a {}; choose one of {}",
            self.word,
            self.what,
            self.known.join(", ")
        )
    }
}

impl std::error::Error for UnknownWord {}
