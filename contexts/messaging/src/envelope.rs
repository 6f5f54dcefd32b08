//! The message envelope: identity, type, version, time, correlation and trace context around a
//! JSON body, and its mapping to AMQP properties and headers.

use chrono::{DateTime, TimeZone, Utc};
use lapin::{
    types::{AMQPValue, FieldTable, LongString, ShortString},
    BasicProperties,
};
use serde::{de::DeserializeOwned, Serialize};
use uuid::Uuid;

/// Header carrying the payload version of `type`.
pub const EVENT_VERSION_HEADER: &str = "event_version";
/// Header carrying the W3C trace context of the work that produced the message.
pub const TRACEPARENT_HEADER: &str = "traceparent";

/// One message as it travels between contexts.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// Unique per fact (UUIDv7, so ids sort by creation time); consumers dedupe on it.
    pub id: Uuid,
    /// What the body is, e.g. `inventory.product_changed`; also the routing key.
    pub kind: String,
    /// Version of the body's shape for this `kind`.
    pub version: u16,
    /// When the fact happened.
    pub timestamp: DateTime<Utc>,
    /// Ties every message of one business flow together (the order id in the saga).
    pub correlation_id: Option<String>,
    /// W3C `traceparent` of the producing span, when there was one.
    pub traceparent: Option<String>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// Why an incoming message could not be read as an envelope. Such a message can never succeed,
/// so it is parked rather than retried.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EnvelopeError {
    #[error("the message has no message_id property")]
    MissingId,
    #[error("message_id {0:?} is not a UUID")]
    BadId(String),
    #[error("the message has no type property")]
    MissingType,
    #[error("the message has no {EVENT_VERSION_HEADER} header, or it is not a small whole number")]
    MissingVersion,
    #[error("the message has no timestamp property")]
    MissingTimestamp,
    #[error("the body of {kind} v{version} does not match its contract: {reason}")]
    BadBody {
        kind: String,
        version: u16,
        reason: String,
    },
}

impl Envelope {
    /// Wraps a body of `kind` and `version` in a new envelope with a fresh id and the current time.
    pub fn new<T: Serialize>(
        kind: &str,
        version: u16,
        body: &T,
        correlation_id: Option<String>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            version,
            timestamp: Utc::now(),
            correlation_id,
            traceparent: None,
            body: Self::encode_body(body),
        }
    }

    /// An event, under its routing key and version.
    pub fn event<E: contracts::Event>(event: &E, correlation_id: Option<String>) -> Self {
        Self::new(E::ROUTING_KEY, E::VERSION, event, correlation_id)
    }

    /// A request, under its kind and version.
    pub fn request<R: contracts::Request>(request: &R, correlation_id: Option<String>) -> Self {
        Self::new(R::KIND, R::VERSION, request, correlation_id)
    }

    /// The answer to a request of type `R`: only `R::Reply` compiles. The RPC server correlates
    /// it with the request it answers.
    pub fn reply<R: contracts::Request>(reply: &R::Reply) -> Self {
        use contracts::Reply;
        Self::new(
            <R::Reply as Reply>::KIND,
            <R::Reply as Reply>::VERSION,
            reply,
            None,
        )
    }

    /// Reads the body as `T`, naming the contract it failed to match.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, EnvelopeError> {
        serde_json::from_slice(&self.body).map_err(|e| EnvelopeError::BadBody {
            kind: self.kind.clone(),
            version: self.version,
            reason: e.to_string(),
        })
    }

    /// Encodes a value as the JSON body (used by the outbox, which stores bodies as JSON).
    pub fn encode_body<T: Serialize>(value: &T) -> Vec<u8> {
        serde_json::to_vec(value).expect("a contract type always serializes to JSON")
    }

    /// The AMQP properties that carry this envelope: persistent, JSON, and every field above.
    pub fn properties(&self) -> BasicProperties {
        let mut headers = FieldTable::default();
        headers.insert(
            EVENT_VERSION_HEADER.into(),
            AMQPValue::LongInt(i32::from(self.version)),
        );
        if let Some(traceparent) = &self.traceparent {
            headers.insert(
                TRACEPARENT_HEADER.into(),
                AMQPValue::LongString(LongString::from(traceparent.as_str())),
            );
        }
        let mut properties = BasicProperties::default()
            .with_message_id(ShortString::from(self.id.to_string()))
            .with_type(ShortString::from(self.kind.as_str()))
            .with_timestamp(self.timestamp.timestamp().max(0) as u64)
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_headers(headers);
        if let Some(correlation_id) = &self.correlation_id {
            properties = properties.with_correlation_id(ShortString::from(correlation_id.as_str()));
        }
        properties
    }

    /// Reads an envelope back from the AMQP properties and body of a delivery.
    pub fn from_amqp(properties: &BasicProperties, body: &[u8]) -> Result<Self, EnvelopeError> {
        let id = properties
            .message_id()
            .as_ref()
            .ok_or(EnvelopeError::MissingId)?;
        let id = Uuid::parse_str(id.as_str()).map_err(|_| EnvelopeError::BadId(id.to_string()))?;
        let kind = properties
            .kind()
            .as_ref()
            .ok_or(EnvelopeError::MissingType)?
            .to_string();
        let headers = properties.headers().as_ref();
        let version = headers
            .and_then(|h| h.inner().get(EVENT_VERSION_HEADER))
            .and_then(amqp_integer)
            .and_then(|v| u16::try_from(v).ok())
            .ok_or(EnvelopeError::MissingVersion)?;
        let traceparent = headers
            .and_then(|h| h.inner().get(TRACEPARENT_HEADER))
            .and_then(|v| match v {
                AMQPValue::LongString(s) => Some(s.to_string()),
                AMQPValue::ShortString(s) => Some(s.to_string()),
                _ => None,
            });
        let timestamp = properties
            .timestamp()
            .and_then(|t| Utc.timestamp_opt(i64::try_from(t).ok()?, 0).single())
            .ok_or(EnvelopeError::MissingTimestamp)?;
        Ok(Self {
            id,
            kind,
            version,
            timestamp,
            correlation_id: properties.correlation_id().as_ref().map(|c| c.to_string()),
            traceparent,
            body: body.to_vec(),
        })
    }
}

/// Header integers arrive in whatever width the publisher chose.
pub(crate) fn amqp_integer(value: &AMQPValue) -> Option<i64> {
    match value {
        AMQPValue::ShortShortInt(v) => Some(i64::from(*v)),
        AMQPValue::ShortShortUInt(v) => Some(i64::from(*v)),
        AMQPValue::ShortInt(v) => Some(i64::from(*v)),
        AMQPValue::ShortUInt(v) => Some(i64::from(*v)),
        AMQPValue::LongInt(v) => Some(i64::from(*v)),
        AMQPValue::LongUInt(v) => Some(i64::from(*v)),
        AMQPValue::LongLongInt(v) => Some(*v),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Envelope {
        let mut envelope = Envelope::new(
            "inventory.product_changed",
            3,
            &serde_json::json!({"slug": "red-roses", "available": 4}),
            Some("order-42".into()),
        );
        envelope.traceparent =
            Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into());
        envelope
    }

    #[test]
    fn an_envelope_survives_the_trip_through_amqp_properties() {
        let sent = sample();
        let received = Envelope::from_amqp(&sent.properties(), &sent.body).unwrap();
        // AMQP timestamps have whole seconds.
        assert_eq!(received.timestamp.timestamp(), sent.timestamp.timestamp());
        assert_eq!(
            Envelope {
                timestamp: sent.timestamp,
                ..received
            },
            sent
        );
    }

    #[test]
    fn messages_are_persistent_json() {
        let properties = sample().properties();
        assert_eq!(properties.delivery_mode(), &Some(2));
        assert_eq!(
            properties.content_type().as_ref().map(|c| c.as_str()),
            Some("application/json")
        );
    }

    #[test]
    fn new_envelopes_get_distinct_time_ordered_ids() {
        let first = sample();
        let second = sample();
        assert_ne!(first.id, second.id);
        assert!(first.id < second.id, "UUIDv7 ids sort by creation time");
        assert_eq!(first.id.get_version_num(), 7);
    }

    #[test]
    fn a_message_without_an_id_is_refused() {
        let envelope = sample();
        let mut properties = envelope.properties();
        properties = BasicProperties::default()
            .with_type(properties.kind().clone().unwrap())
            .with_timestamp(1)
            .with_headers(properties.headers().clone().unwrap());
        assert_eq!(
            Envelope::from_amqp(&properties, &envelope.body),
            Err(EnvelopeError::MissingId)
        );
    }

    #[test]
    fn a_message_whose_id_is_not_a_uuid_is_refused() {
        let envelope = sample();
        let properties = envelope.properties().with_message_id("not-a-uuid".into());
        assert_eq!(
            Envelope::from_amqp(&properties, &envelope.body),
            Err(EnvelopeError::BadId("not-a-uuid".into()))
        );
    }

    #[test]
    fn a_message_without_a_version_is_refused() {
        let envelope = sample();
        let properties = envelope.properties().with_headers(FieldTable::default());
        assert_eq!(
            Envelope::from_amqp(&properties, &envelope.body),
            Err(EnvelopeError::MissingVersion)
        );
    }

    #[test]
    fn a_body_that_does_not_match_its_contract_names_the_contract() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Expected {
            price: i64,
        }
        let error = sample().decode::<Expected>().unwrap_err();
        let EnvelopeError::BadBody {
            kind,
            version,
            reason,
        } = error
        else {
            panic!("expected a body error, got {error:?}");
        };
        assert_eq!((kind.as_str(), version), ("inventory.product_changed", 3));
        assert!(reason.contains("price"), "{reason}");
    }
}
