//! An AMQP delivery as the broker hands it over: any properties, any body. Reading the
//! envelope and decoding its body as any of the shop's messages must fail cleanly, never panic.
#![no_main]

use arbitrary::Arbitrary;
use lapin::{
    types::{AMQPValue, FieldTable, LongString, ShortString},
    BasicProperties,
};
use libfuzzer_sys::fuzz_target;
use messaging::Envelope;

#[derive(Arbitrary, Debug)]
struct Delivery {
    message_id: Option<String>,
    kind: Option<String>,
    version: Option<i64>,
    version_as_text: bool,
    traceparent: Option<String>,
    timestamp: Option<u64>,
    correlation_id: Option<String>,
    body: Vec<u8>,
}

fn short(text: &str) -> ShortString {
    // AMQP short strings hold at most 255 bytes.
    let mut end = text.len().min(255);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    ShortString::from(&text[..end])
}

fuzz_target!(|delivery: Delivery| {
    let mut headers = FieldTable::default();
    if let Some(version) = delivery.version {
        let value = if delivery.version_as_text {
            AMQPValue::LongString(LongString::from(version.to_string()))
        } else {
            AMQPValue::LongLongInt(version)
        };
        headers.insert("x-event-version".into(), value);
    }
    if let Some(traceparent) = &delivery.traceparent {
        headers.insert(
            "traceparent".into(),
            AMQPValue::LongString(LongString::from(traceparent.as_str())),
        );
    }
    let mut properties = BasicProperties::default().with_headers(headers);
    if let Some(id) = &delivery.message_id {
        properties = properties.with_message_id(short(id));
    }
    if let Some(kind) = &delivery.kind {
        properties = properties.with_type(short(kind));
    }
    if let Some(timestamp) = delivery.timestamp {
        properties = properties.with_timestamp(timestamp);
    }
    if let Some(correlation) = &delivery.correlation_id {
        properties = properties.with_correlation_id(short(correlation));
    }
    let Ok(envelope) = Envelope::from_amqp(&properties, &delivery.body) else {
        return;
    };
    assert_eq!(envelope.body, delivery.body);
    use contracts::{delivery as d, inventory as i, order as o, payment as p};
    let _ = envelope.decode::<o::OrderPlaced>();
    let _ = envelope.decode::<o::PaymentRequested>();
    let _ = envelope.decode::<o::OrderPaid>();
    let _ = envelope.decode::<o::OrderRejected>();
    let _ = envelope.decode::<o::OrderCancelled>();
    let _ = envelope.decode::<o::PlaceOrderRequest>();
    let _ = envelope.decode::<p::PaymentApproved>();
    let _ = envelope.decode::<p::PaymentDeclined>();
    let _ = envelope.decode::<i::ProductChanged>();
    let _ = envelope.decode::<d::DeliveryPreparing>();
});
