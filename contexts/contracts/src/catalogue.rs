//! The message catalogue: every event and request the contexts exchange, read from the types
//! themselves (routing keys, kinds, versions, answers) and from [`subscriptions`]. The
//! repository's `docs/messages.md` is rendered from it, and a test fails when the two differ
//! (`PETAL_WRITE_DOCS=1 cargo test -p contracts` rewrites it).

use crate::{
    delivery, inventory, notification, order, payment, subscriptions, Event, Reply, Request,
};

/// One event: a fact its publisher states on the events exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventEntry {
    pub routing_key: &'static str,
    pub version: u16,
    /// The Rust type of its body, e.g. `order::OrderPlaced`.
    pub body: &'static str,
    /// The contexts whose queue is bound to it.
    pub subscribers: Vec<&'static str>,
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestEntry {
    pub context: &'static str,
    pub kind: &'static str,
    pub version: u16,
    pub body: &'static str,
    pub reply_kind: &'static str,
    pub reply_body: &'static str,
}

fn event<E: Event>(body: &'static str) -> EventEntry {
    EventEntry {
        routing_key: E::ROUTING_KEY,
        version: E::VERSION,
        body,
        subscribers: subscriptions::ALL
            .iter()
            .filter(|subscription| subscription.routing_keys.contains(&E::ROUTING_KEY))
            .map(|subscription| subscription.queue)
            .collect(),
    }
}

fn request<R: Request>(body: &'static str, reply_body: &'static str) -> RequestEntry {
    RequestEntry {
        context: R::CONTEXT,
        kind: R::KIND,
        version: R::VERSION,
        body,
        reply_kind: <R::Reply as Reply>::KIND,
        reply_body,
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

    #[test]
    fn docs_messages_md_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/messages.md");
        let rendered = markdown();
        if std::env::var_os("PETAL_WRITE_DOCS").is_some() {
            std::fs::write(path, &rendered).unwrap();
        }
        let written = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            written == rendered,
            "docs/messages.md is out of date: run PETAL_WRITE_DOCS=1 cargo test -p contracts"
        );
    }
}
