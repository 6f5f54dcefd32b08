//! Live updates in the browser over server-sent events: the header's unread count and the
//! "something changed" ticks pages refetch on (`/api/events`), and one order's stream
//! (`/api/orders/{id}/events`). `EventSource` reconnects by itself and sends `Last-Event-ID`.

use leptos::prelude::*;

/// Ticks and counts from `/api/events` for the signed-in person.
#[derive(Clone, Copy)]
pub struct Live {
    /// Unread messages, once known.
    pub unread: RwSignal<Option<i64>>,
    /// Grows when one of my orders changed.
    pub orders: RwSignal<u64>,
    /// Grows when any delivery changed (staff).
    pub deliveries: RwSignal<u64>,
    /// Grows when a product's stock or price changed.
    pub products: RwSignal<u64>,
}

/// What to do with each named event of a stream (its data).
type Handlers = Vec<(&'static str, Box<dyn Fn(String)>)>;

pub fn provide_live() -> Live {
    let live = Live {
        unread: RwSignal::new(None),
        orders: RwSignal::new(0),
        deliveries: RwSignal::new(0),
        products: RwSignal::new(0),
    };
    provide_context(live);
    live
}

pub fn use_live() -> Live {
    expect_context::<Live>()
}

/// Opens `/api/events` once someone is signed in; the stream lives as long as the page.
pub fn connect(live: Live) {
    let handlers: Handlers = vec![
        (
            "messages",
            Box::new(move |data: String| live.unread.set(data.parse().ok())),
        ),
        ("orders", Box::new(move |_| live.orders.update(|n| *n += 1))),
        (
            "deliveries",
            Box::new(move |_| live.deliveries.update(|n| *n += 1)),
        ),
        (
            "products",
            Box::new(move |_| live.products.update(|n| *n += 1)),
        ),
        (
            "resync",
            Box::new(move |_| {
                live.orders.update(|n| *n += 1);
                live.deliveries.update(|n| *n += 1);
                live.products.update(|n| *n += 1);
            }),
        ),
    ];
    imp::open("/api/events", handlers);
}

/// Streams `url`'s `event` events to `on_event` (the event's data); the stream closes when the
/// calling component goes away.
pub fn subscribe(url: String, event: &'static str, on_event: impl Fn(String) + 'static) {
    let handle = imp::open(&url, vec![(event, Box::new(on_event))]);
    on_cleanup(move || imp::close(handle));
}

#[cfg(feature = "hydrate")]
mod imp {
    use super::Handlers;
    use send_wrapper::SendWrapper;
    use wasm_bindgen::{closure::Closure, JsCast};

    pub struct Handle(SendWrapper<Option<web_sys::EventSource>>);

    pub fn open(url: &str, handlers: Handlers) -> Handle {
        let Ok(source) = web_sys::EventSource::new(url) else {
            return Handle(SendWrapper::new(None));
        };
        for (name, handler) in handlers {
            let callback = Closure::<dyn Fn(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    handler(event.data().as_string().unwrap_or_default())
                },
            );
            let _ =
                source.add_event_listener_with_callback(name, callback.as_ref().unchecked_ref());
            // Lives as long as the page's event source.
            callback.forget();
        }
        Handle(SendWrapper::new(Some(source)))
    }

    pub fn close(handle: Handle) {
        if let Some(source) = handle.0.take() {
            source.close();
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use super::Handlers;

    pub struct Handle;

    pub fn open(_: &str, _: Handlers) -> Handle {
        Handle
    }

    pub fn close(_: Handle) {}
}
