//! The roles one `petal` process can play: every role at once for the one-command local shop, or
//! a single role per Kubernetes Deployment.

use std::{fmt, str::FromStr};

/// The database of the fake card processor's ledger (it stands for a service outside the shop).
pub const PROCESSOR: &str = "processor";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The storefront, its API and the view context's projections.
    Web,
    /// The inventory context: catalog, stock, reservations.
    Inventory,
    /// The order context: orders and their fate.
    Order,
    /// The payment context: charges and refunds.
    Payment,
    /// The delivery context: preparing and taking flowers to recipients.
    Delivery,
    /// The notification context: customers' messages (MariaDB).
    Notification,
}

impl Role {
    /// Every role, in start-up order: producers before the web that reads their facts.
    pub const ALL: &'static [Role] = &[
        Role::Inventory,
        Role::Order,
        Role::Payment,
        Role::Delivery,
        Role::Notification,
        Role::Web,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Web => "web",
            Role::Inventory => "inventory",
            Role::Order => "order",
            Role::Payment => "payment",
            Role::Delivery => "delivery",
            Role::Notification => "notification",
        }
    }

    /// What the role does, in a line (the command line's help).
    pub fn about(self) -> &'static str {
        match self {
            Role::Web => "the storefront, its API and the view context's read models",
            Role::Inventory => "catalog, stock and reservations",
            Role::Order => "orders and their fate",
            Role::Payment => "charges and refunds",
            Role::Delivery => "preparing flowers and taking them to recipients",
            Role::Notification => "the customers' messages (MariaDB)",
        }
    }

    /// The context whose database the role owns.
    pub fn context(self) -> &'static str {
        match self {
            Role::Web => view::CONTEXT,
            Role::Inventory => inventory::saga::CONTEXT,
            Role::Order => order::saga::CONTEXT,
            Role::Payment => payment::saga::CONTEXT,
            Role::Delivery => delivery::CONTEXT,
            Role::Notification => notification::CONTEXT,
        }
    }

    /// Every database the role uses (its context's, and for web the accounts, for payment the
    /// fake card processor's ledger): each is `PETAL_<NAME>_DATABASE_URL` when set apart.
    pub fn databases(self) -> &'static [&'static str] {
        match self {
            Role::Web => &["view", "web"],
            Role::Inventory => &["inventory"],
            Role::Order => &["order"],
            Role::Payment => &["payment", PROCESSOR],
            Role::Delivery => &["delivery"],
            Role::Notification => &["notification"],
        }
    }

    /// The migrations of the role's database.
    pub fn migrator(self) -> &'static sqlx::migrate::Migrator {
        match self {
            Role::Web => &view::MIGRATOR,
            Role::Inventory => &inventory::MIGRATOR,
            Role::Order => &order::MIGRATOR,
            Role::Payment => &payment::MIGRATOR,
            Role::Delivery => &delivery::MIGRATOR,
            Role::Notification => &notification::MIGRATOR,
        }
    }

    /// Health and metrics port when the role runs on its own (the original service map).
    pub fn ops_port(self) -> u16 {
        match self {
            Role::Web => 8086,
            Role::Inventory => 8083,
            Role::Order => 8081,
            Role::Payment => 8085,
            Role::Delivery => 8082,
            Role::Notification => 8084,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .iter()
            .copied()
            .find(|role| role.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Role::ALL.iter().map(|r| r.name()).collect();
                format!(
                    "unknown role {s:?}; choose one of: all, {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{Role, PROCESSOR};

    #[test]
    fn each_role_uses_its_own_contexts_database() {
        for role in Role::ALL {
            assert_eq!(role.databases()[0], role.context());
        }
        assert!(Role::Web.databases().contains(&crate::web::ACCOUNTS));
        assert!(Role::Payment.databases().contains(&PROCESSOR));
    }

    #[test]
    fn roles_are_named_as_on_the_command_line() {
        for role in Role::ALL {
            assert_eq!(role.name().parse::<Role>().unwrap(), *role);
        }
        assert!("payments"
            .parse::<Role>()
            .unwrap_err()
            .contains("inventory"));
    }
}
