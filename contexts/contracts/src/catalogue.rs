//! The message catalogue: every event and request the contexts exchange, read from the types
//! themselves (routing keys, kinds, versions, answers, JSON Schema of each body) and from
//! [`subscriptions`]. The repository's `docs/messages.md` and `docs/asyncapi.json` (AsyncAPI 3.1)
//! are rendered from it, and a test fails when either differs from the code
//! (`PETAL_WRITE_DOCS=1 cargo test -p contracts` rewrites them).

use crate::{
    delivery, inventory, notification, order, payment, subscriptions, Event, Reply, Request,
};
use schemars::{generate::SchemaGenerator, JsonSchema, Schema};
use serde_json::{json, Map, Value};

/// Writes a type's JSON Schema into a generator's definitions and returns a reference to it.
type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// One event: a fact its publisher states on the events exchange.
#[derive(Clone, Debug)]
pub struct EventEntry {
    pub routing_key: &'static str,
    pub version: u16,
    /// The Rust type of its body, e.g. `order::OrderPlaced`.
    pub body: &'static str,
    /// The contexts whose queue is bound to it.
    pub subscribers: Vec<&'static str>,
    schema: SchemaOf,
}

impl EventEntry {
    /// The context that states it: the routing key's first word.
    pub fn publisher(&self) -> &'static str {
        self.routing_key
            .split('.')
            .next()
            .unwrap_or(self.routing_key)
    }
}

/// One request: a question a context answers over RPC.
#[derive(Clone, Debug)]
pub struct RequestEntry {
    pub context: &'static str,
    pub kind: &'static str,
    pub version: u16,
    pub body: &'static str,
    pub reply_kind: &'static str,
    pub reply_body: &'static str,
    schema: SchemaOf,
    reply_schema: SchemaOf,
}

fn event<E: Event + JsonSchema>(body: &'static str) -> EventEntry {
    EventEntry {
        routing_key: E::ROUTING_KEY,
        version: E::VERSION,
        body,
        schema: schema_of::<E>,
        subscribers: subscriptions::ALL
            .iter()
            .filter(|subscription| subscription.routing_keys.contains(&E::ROUTING_KEY))
            .map(|subscription| subscription.queue)
            .collect(),
    }
}

fn request<R>(body: &'static str, reply_body: &'static str) -> RequestEntry
where
    R: Request + JsonSchema,
    R::Reply: JsonSchema,
{
    RequestEntry {
        context: R::CONTEXT,
        kind: R::KIND,
        version: R::VERSION,
        body,
        reply_kind: <R::Reply as Reply>::KIND,
        reply_body,
        schema: schema_of::<R>,
        reply_schema: schema_of::<R::Reply>,
    }
}

macro_rules! events {
    ($($body:path),+ $(,)?) => {
        vec![$(event::<$body>(stringify!($body))),+]
    };
}

macro_rules! requests {
    ($($body:path => $reply:path),+ $(,)?) => {
        vec![$(request::<$body>(stringify!($body), stringify!($reply))),+]
    };
}

/// Every event, in the order an order's life meets them.
pub fn events() -> Vec<EventEntry> {
    events![
        order::OrderPlaced,
        order::PaymentRequested,
        payment::PaymentApproved,
        payment::PaymentDeclined,
        order::OrderPaid,
        order::OrderRejected,
        order::OrderCancelled,
        order::OrderAbandoned,
        payment::PaymentRefunded,
        delivery::DeliveryPreparing,
        delivery::DeliveryDispatched,
        delivery::DeliveryDelivered,
        delivery::DeliveryCancelled,
        inventory::ReservationExpired,
        inventory::ProductChanged,
    ]
}

/// Every request, by the context that answers it.
pub fn requests() -> Vec<RequestEntry> {
    requests![
        order::PlaceOrderRequest => order::PlaceOrderReply,
        order::CancelOrderRequest => order::CancelOrderReply,
        inventory::ReserveStock => inventory::ReserveStockReply,
        inventory::CatalogRequest => inventory::CatalogReply,
        delivery::CancelDelivery => delivery::CancelDeliveryReply,
        delivery::AdvanceDelivery => delivery::AdvanceDeliveryReply,
        delivery::ListDeliveries => delivery::ListDeliveriesReply,
        payment::ListPayments => payment::ListPaymentsReply,
        notification::MessagesRequest => notification::MessagesReply,
    ]
}

/// The catalogue as `docs/messages.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Message catalogue\n\n\
         Generated from `contexts/contracts` (`catalogue::markdown`); a test fails when this file\n\
         and the code differ. Rewrite it with `PETAL_WRITE_DOCS=1 cargo test -p contracts`.\n\n\
         Every message is an envelope (`messaging::Envelope`): the AMQP `type` is the routing key\n\
         or kind, the `event_version` header its version, the body the JSON of the Rust type\n\
         named here (`contexts/contracts/src/<module>.rs`), the `correlation_id` the order's id\n\
         where there is one. Events are persistent, published with confirms on the topic\n\
         exchange `<prefix>.events` from each context's outbox, and each subscriber reads them\n\
         from its own durable quorum queue `<prefix>.<context>`. Requests go to the direct\n\
         exchange `<prefix>.rpc` under the answering context's name and are answered on\n\
         RabbitMQ's direct reply-to, within the caller's deadline.\n\n\
         ## Events\n\n\
         | routing key | version | published by | received by | body |\n\
         |---|---|---|---|---|\n",
    );
    for event in events() {
        let subscribers = if event.subscribers.is_empty() {
            "—".to_owned()
        } else {
            event.subscribers.join(", ")
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | `{}` |\n",
            event.routing_key,
            event.version,
            event.publisher(),
            subscribers,
            event.body
        ));
    }
    out.push_str(
        "\n## Requests\n\n\
         | kind | version | answered by | body | answer (`<kind>.reply`) |\n\
         |---|---|---|---|---|\n",
    );
    for request in requests() {
        out.push_str(&format!(
            "| `{}` | {} | {} | `{}` | `{}` |\n",
            request.kind, request.version, request.context, request.body, request.reply_body
        ));
    }
    out.push_str(
        "\n## Live nudges\n\n\
         Besides these, the web role's projection publishes `contracts::live::Nudge` on the\n\
         topic exchange `<prefix>.live` (not persistent, never queued for long): each web\n\
         instance hears every nudge on a queue of its own and passes it to its open\n\
         `/api/events` streams, which read the current state from the view.\n",
    );
    out
}

/// The catalogue as an AsyncAPI 3.1 document (`docs/asyncapi.json`): a channel per event
/// (its routing key on the events exchange) and per answering context (on the RPC exchange),
/// who sends and who receives each, and every body's JSON Schema under `components.schemas`.
pub fn asyncapi() -> Value {
    let mut generator = schemars::generate::SchemaSettings::draft07()
        .with(|settings| {
            settings.definitions_path = "/components/schemas".into();
            settings.meta_schema = None;
            // What the publisher writes (an event may read older versions too, e.g. order.placed).
            settings.contract = schemars::generate::Contract::Serialize;
        })
        .into_generator();
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    let exchange = |name: &str, kind: &str| {
        json!({"amqp": {"is": "routingKey", "exchange": {
            "name": name, "type": kind, "durable": true, "autoDelete": false, "vhost": "/"
        }, "bindingVersion": "0.3.0"}})
    };
    let version_header = |version: u16| json!({"type": "object", "properties": {"event_version": {"const": version}}});
    let message = |name: &str, title: &str, version: u16, payload: Schema| {
        json!({
            "name": name,
            "title": title,
            "headers": version_header(version),
            "payload": payload,
            "bindings": {"amqp": {"messageType": name, "bindingVersion": "0.3.0"}},
        })
    };

    for event in events() {
        let key = event.routing_key;
        let payload = (event.schema)(&mut generator);
        messages.insert(key.into(), message(key, event.body, event.version, payload));
        channels.insert(
            key.into(),
            json!({
                "address": key,
                "title": format!("{key} on <prefix>.events"),
                "messages": {key: {"$ref": format!("#/components/messages/{key}")}},
                "bindings": exchange("<prefix>.events", "topic"),
            }),
        );
        let channel = json!({"$ref": format!("#/channels/{key}")});
        operations.insert(
            format!("{key}.publish"),
            json!({
                "action": "send",
                "channel": channel,
                "summary": format!("{} states it, from its outbox, with publisher confirms", event.publisher()),
                "tags": [{"name": event.publisher()}],
                // Persistent: a broker restart keeps it.
                "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": "0.3.0"}},
            }),
        );
        for subscriber in &event.subscribers {
            operations.insert(
                format!("{key}.{subscriber}"),
                json!({
                    "action": "receive",
                    "channel": channel,
                    "summary": format!("{subscriber} reads it from its quorum queue <prefix>.{subscriber}"),
                    "tags": [{"name": *subscriber}],
                }),
            );
        }
    }

    let mut answered: Map<String, Value> = Map::new();
    for request in requests() {
        let (kind, reply) = (request.kind, request.reply_kind);
        let payload = (request.schema)(&mut generator);
        messages.insert(
            kind.into(),
            message(kind, request.body, request.version, payload),
        );
        let reply_payload = (request.reply_schema)(&mut generator);
        messages.insert(
            reply.into(),
            message(reply, request.reply_body, request.version, reply_payload),
        );
        let channel = format!("rpc.{}", request.context);
        let entry = answered.entry(channel.clone()).or_insert_with(|| {
            json!({
                "address": request.context,
                "title": format!("requests {} answers, on <prefix>.rpc", request.context),
                "messages": {},
                "bindings": exchange("<prefix>.rpc", "direct"),
            })
        });
        entry["messages"][kind] = json!({"$ref": format!("#/components/messages/{kind}")});
        operations.insert(
            kind.into(),
            json!({
                "action": "receive",
                "channel": {"$ref": format!("#/channels/{channel}")},
                "messages": [{"$ref": format!("#/channels/{channel}/messages/{kind}")}],
                "summary": format!("{} answers it within the caller's deadline", request.context),
                "tags": [{"name": request.context}],
                "reply": {
                    "address": {"location": "$message.header#/reply_to"},
                    "channel": {"$ref": "#/channels/replies"},
                    "messages": [{"$ref": format!("#/channels/replies/messages/{reply}")}],
                },
            }),
        );
        let replies = channels.entry("replies").or_insert_with(|| {
            json!({
                "address": null,
                "title": "answers, on RabbitMQ's direct reply-to (amq.rabbitmq.reply-to)",
                "messages": {},
            })
        });
        replies["messages"][reply] = json!({"$ref": format!("#/components/messages/{reply}")});
    }
    channels.extend(answered);

    let schemas = generator.take_definitions(true);
    json!({
        "asyncapi": "3.1.0",
        "info": {
            "title": "Petal's messages",
            "version": "1",
            "description": "Generated from contexts/contracts (catalogue::asyncapi); a test fails when this file and the code differ. Every message is a messaging::Envelope: the AMQP type is the routing key or kind, the event_version header its version, the body the JSON described here. Events are persistent, published with confirms on the topic exchange <prefix>.events from each context's outbox; each subscriber reads them from its own durable quorum queue. Requests go to the direct exchange <prefix>.rpc under the answering context's name and are answered on the direct reply-to.",
        },
        "defaultContentType": "application/json",
        "servers": {"local": {
            "host": "127.0.0.1:5672",
            "protocol": "amqp",
            "protocolVersion": "0-9-1",
            "description": "RabbitMQ on one machine (scripts/setup.sh); in Kubernetes, the RabbitmqCluster's service",
        }},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_subscribed_routing_key_is_a_catalogued_event_and_every_event_is_heard() {
        let known: BTreeSet<_> = events().iter().map(|e| e.routing_key).collect();
        for subscription in subscriptions::ALL {
            for key in subscription.routing_keys {
                assert!(
                    known.contains(key),
                    "{} listens to unknown {key}",
                    subscription.queue
                );
            }
        }
        for event in events() {
            assert!(
                !event.subscribers.is_empty(),
                "nobody hears {}",
                event.routing_key
            );
        }
    }

    #[test]
    fn every_request_goes_to_a_context_and_names_its_answer() {
        let contexts: BTreeSet<_> = subscriptions::ALL.iter().map(|s| s.queue).collect();
        for request in requests() {
            assert!(
                contexts.contains(request.context),
                "{} goes nowhere",
                request.kind
            );
            assert!(request.kind.starts_with(&format!("{}.", request.context)));
            assert_eq!(request.reply_kind, format!("{}.reply", request.kind));
        }
    }

    /// Fails when `docs/<name>` differs from `rendered`; rewrites it with `PETAL_WRITE_DOCS=1`.
    fn assert_current(name: &str, rendered: &str) {
        let path = format!("{}/../../docs/{name}", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("PETAL_WRITE_DOCS").is_some() {
            std::fs::write(&path, rendered).unwrap();
        }
        let written = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            written == rendered,
            "docs/{name} is out of date: run PETAL_WRITE_DOCS=1 cargo test -p contracts"
        );
    }

    #[test]
    fn docs_messages_md_is_current() {
        assert_current("messages.md", &markdown());
    }

    #[test]
    fn docs_asyncapi_json_is_current() {
        let rendered = serde_json::to_string_pretty(&asyncapi()).unwrap() + "\n";
        assert_current("asyncapi.json", &rendered);
    }

    /// Follows a local `$ref` (`#/a/b/c`) in `document`, and the references it leads to.
    fn resolve<'a>(document: &'a Value, reference: &Value) -> &'a Value {
        let pointer = reference.as_str().unwrap().strip_prefix('#').unwrap();
        let found = document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} names nothing"));
        match found.get("$ref") {
            Some(next) => resolve(document, next),
            None => found,
        }
    }

    #[test]
    fn the_asyncapi_document_holds_every_message_with_a_schema_that_resolves() {
        let document = asyncapi();
        // Every reference in the document points at something in it.
        fn refs<'a>(value: &'a Value, found: &mut Vec<&'a Value>) {
            match value {
                Value::Object(map) => {
                    if let Some(reference) = map.get("$ref") {
                        found.push(reference);
                    }
                    map.values().for_each(|v| refs(v, found));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        refs(&document, &mut found);
        assert!(found.len() > 100);
        for reference in found {
            resolve(&document, reference);
        }
        for event in events() {
            let message = &document["components"]["messages"][event.routing_key];
            assert_eq!(
                message["headers"]["properties"]["event_version"]["const"],
                event.version
            );
            let schema = resolve(&document, &message["payload"]["$ref"]);
            assert_eq!(schema["type"], "object", "{}", event.routing_key);
            for subscriber in &event.subscribers {
                let operation =
                    &document["operations"][format!("{}.{subscriber}", event.routing_key)];
                assert_eq!(operation["action"], "receive");
            }
        }
        for request in requests() {
            let operation = &document["operations"][request.kind];
            assert_eq!(operation["action"], "receive");
            let reply = resolve(&document, &operation["reply"]["messages"][0]["$ref"]);
            assert_eq!(
                reply,
                &document["components"]["messages"][request.reply_kind]
            );
        }
    }

    #[test]
    fn a_body_as_it_travels_has_the_fields_its_schema_names() {
        // The schema describes what serde writes: an order.placed as it goes on the wire has
        // exactly the properties the document lists, and the window's words are its enum.
        let document = asyncapi();
        let placed = resolve(
            &document,
            &document["components"]["messages"]["order.placed"]["payload"]["$ref"],
        );
        let listed: BTreeSet<&str> = placed["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let sample = crate::order::tests::placed();
        let written = serde_json::to_value(&sample).unwrap();
        let wrote: BTreeSet<&str> = written
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(listed, wrote);
        let window = resolve(&document, &placed["properties"]["window"]["$ref"]);
        let words: Vec<&str> = window["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|word| word["const"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = crate::order::TimeWindow::ALL
            .iter()
            .map(|w| w.as_str())
            .collect();
        assert_eq!(words, expected);
    }
}
