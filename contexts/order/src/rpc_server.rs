//! Order's commands over RPC — `order.place` and `order.cancel` — so the web role can run apart
//! from the order role.

use crate::{domain::OrderForm, CancelError, Orders, PlaceError, PlaceOrder};
use contracts::order::{
    CancelOrderReply, CancelOrderRequest, FieldProblem, PlaceOrderReply, PlaceOrderRequest,
};
use contracts::Request as _;
use messaging::{rpc::Responder, Envelope, HandleError};

/// Answers order's commands with an [`Orders`].
pub struct OrderCommands(pub Orders);

impl Responder for OrderCommands {
    async fn respond(&self, request: &Envelope) -> Result<Envelope, HandleError> {
        match request.kind.as_str() {
            PlaceOrderRequest::KIND => {
                let command: PlaceOrderRequest = request.decode()?;
                let reply = place(&self.0, command).await?;
                Ok(Envelope::reply::<PlaceOrderRequest>(&reply))
            }
            CancelOrderRequest::KIND => {
                let command: CancelOrderRequest = request.decode()?;
                let reply = match self.0.cancel(command.order_id, command.customer_id).await {
                    Ok(_) => CancelOrderReply::Cancelled,
                    Err(CancelError::NotFound) => CancelOrderReply::NotFound,
                    Err(CancelError::Refused(reason)) => CancelOrderReply::Refused {
                        reason: reason.to_string(),
                    },
                    Err(error @ CancelError::TryAgainShortly(_)) => {
                        CancelOrderReply::TryAgainShortly {
                            reason: error.to_string(),
                        }
                    }
                    Err(CancelError::Database(error)) => return Err(error.into()),
                };
                Ok(Envelope::reply::<CancelOrderRequest>(&reply))
            }
            other => Err(HandleError::Reject(anyhow::anyhow!(
                "order does not answer {other}"
            ))),
        }
    }
}

async fn place(
    orders: &Orders,
    command: PlaceOrderRequest,
) -> Result<PlaceOrderReply, HandleError> {
    let place = PlaceOrder {
        order_id: command.order_id,
        customer_id: command.customer_id,
        form: OrderForm {
            lines: command
                .lines
                .into_iter()
                .map(|line| (line.slug, line.quantity))
                .collect(),
            recipient_name: command.recipient_name,
            recipient_phone: command.recipient_phone,
            address: command.address,
            delivery_date: command.delivery_date,
            window: command.window,
            card_message: command.card_message,
        },
        card: command.card,
    };
    Ok(match orders.place(place).await {
        Ok(placed) => PlaceOrderReply::Placed {
            order_id: placed.order_id,
            total: placed.total,
        },
        Err(PlaceError::Invalid(errors)) => PlaceOrderReply::Invalid {
            problems: errors
                .into_iter()
                .map(|e| FieldProblem {
                    field: e.field,
                    code: e.code.to_owned(),
                    message: e.message,
                })
                .collect(),
        },
        Err(PlaceError::OutOfStock {
            slug,
            name,
            requested,
            available,
        }) => PlaceOrderReply::OutOfStock {
            slug,
            name,
            requested,
            available,
        },
        Err(PlaceError::UnknownProduct(slug)) => PlaceOrderReply::UnknownProduct { slug },
        Err(error @ PlaceError::TryAgainShortly(_)) => PlaceOrderReply::TryAgainShortly {
            reason: error.to_string(),
        },
        Err(PlaceError::NotYours) => PlaceOrderReply::NotYours,
        Err(error @ PlaceError::Abandoned) => PlaceOrderReply::Invalid {
            problems: vec![FieldProblem {
                field: "order_id".into(),
                code: "expired".into(),
                message: error.to_string(),
            }],
        },
        Err(PlaceError::Database(error)) => return Err(error.into()),
    })
}
