//! Accounts and the session: sign up, sign in (with a new session id), sign out, who am I.
//! Passwords are hashed with Argon2id off the async threads; the hash never leaves this module.

use super::{csrf, ApiError, ApiState, JsonBody};
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use axum::{extract::State, http::StatusCode, Json};
use contracts::order::FieldProblem;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

const SESSION_KEY: &str = "account";

/// Who is signed in, as kept in the session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentAccount {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub staff: bool,
}

impl CurrentAccount {
    /// The signed-in account, or 401.
    pub async fn require(session: &Session) -> Result<Self, ApiError> {
        session
            .get::<Self>(SESSION_KEY)
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The signed-in account as a handler argument: a stranger gets 401 before any body is read.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CurrentAccount {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| ApiError::internal(message))?;
        Self::require(&session).await
    }
}

/// A signed-in staff member as a handler argument: 401 for strangers, 403 for customers, before
/// any body is read.
pub struct Staff(pub CurrentAccount);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let account = CurrentAccount::from_request_parts(parts, state).await?;
        if account.staff {
            Ok(Self(account))
        } else {
            Err(ApiError::forbidden())
        }
    }
}

/// An Argon2id hash in PHC form. Explicitly not `Serialize`: it is stored, never sent.
struct PasswordDigest(String);

async fn hash(password: String) -> Result<PasswordDigest, ApiError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| PasswordDigest(hash.to_string()))
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

async fn matches(digest: PasswordDigest, password: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&digest.0).map_err(ApiError::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(ApiError::internal)?
}

/// The accounts table of the web role's database.
#[derive(Clone)]
pub struct Accounts {
    pool: PgPool,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    email: String,
    name: String,
    password_hash: String,
    staff: bool,
}

impl Accounts {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    async fn find(&self, email: &str) -> Result<Option<AccountRow>, ApiError> {
        Ok(sqlx::query_as(
            "SELECT id, email, name, password_hash, staff FROM accounts WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?)
    }
}

fn problem(field: &str, code: &str, message: &str) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// `name@example.com`, lowercased; the mail server has the last word, we only catch typos.
fn parse_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let valid = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace);
    valid.then_some(email)
}

#[derive(Deserialize)]
pub struct SignUp {
    email: String,
    name: String,
    password: String,
}

#[derive(Deserialize)]
pub struct SignIn {
    email: String,
    password: String,
}

#[derive(Serialize)]
pub struct SessionBody {
    account: Option<CurrentAccount>,
    csrf_token: String,
}

/// Starts a signed-in session: a new session id (against fixation) and a new CSRF token.
async fn start(session: &Session, account: &CurrentAccount) -> Result<SessionBody, ApiError> {
    session.cycle_id().await?;
    session.insert(SESSION_KEY, account).await?;
    let csrf_token = csrf::renew(session).await?;
    Ok(SessionBody {
        account: Some(account.clone()),
        csrf_token,
    })
}

#[tracing::instrument(skip_all)]
pub async fn sign_up(
    session: Session,
    State(state): State<ApiState>,
    JsonBody(form): JsonBody<SignUp>,
) -> Result<(StatusCode, Json<SessionBody>), ApiError> {
    let mut problems = Vec::new();
    let email = parse_email(&form.email);
    if email.is_none() {
        problems.push(problem(
            "email",
            "invalid",
            "write an email address like name@example.com",
        ));
    }
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 40 {
        problems.push(problem(
            "name",
            "invalid",
            "write your name, up to 40 characters",
        ));
    }
    let length = form.password.chars().count();
    if !(10..=128).contains(&length) {
        problems.push(problem(
            "password",
            "too_short",
            "use 10 to 128 characters for the password",
        ));
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid(problems));
    }
    let email = email.expect("checked above");
    let digest = hash(form.password).await?;
    let account = CurrentAccount {
        id: Uuid::now_v7(),
        email,
        name: name.to_owned(),
        staff: false,
    };
    let inserted = sqlx::query(
        "INSERT INTO accounts (id, email, name, password_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(account.id)
    .bind(&account.email)
    .bind(&account.name)
    .bind(&digest.0)
    .execute(&state.accounts.pool)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "email_taken",
            "an account with this email exists; sign in instead",
        ));
    }
    Ok((StatusCode::CREATED, Json(start(&session, &account).await?)))
}

#[tracing::instrument(skip_all)]
pub async fn sign_in(
    session: Session,
    State(state): State<ApiState>,
    JsonBody(form): JsonBody<SignIn>,
) -> Result<Json<SessionBody>, ApiError> {
    let email = parse_email(&form.email).unwrap_or_default();
    let row = state.accounts.find(&email).await?;
    let right = match &row {
        Some(row) => matches(PasswordDigest(row.password_hash.clone()), form.password).await?,
        // As slow as a wrong password, so response times do not tell which emails exist.
        None => hash(form.password).await.map(|_| false)?,
    };
    let Some(row) = row.filter(|_| right) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "wrong_credentials",
            "the email or the password is wrong",
        ));
    };
    let account = CurrentAccount {
        id: row.id,
        email: row.email,
        name: row.name,
        staff: row.staff,
    };
    Ok(Json(start(&session, &account).await?))
}

pub async fn sign_out(session: Session) -> Result<StatusCode, ApiError> {
    session.flush().await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn who_am_i(session: Session) -> Result<Json<SessionBody>, ApiError> {
    Ok(Json(SessionBody {
        account: session.get(SESSION_KEY).await?,
        csrf_token: csrf::token(&session).await?,
    }))
}

/// Creates or updates the staff account from configuration (`PETAL_STAFF_EMAIL`,
/// `PETAL_STAFF_PASSWORD`). There is no default password anywhere.
pub async fn bootstrap_staff(
    accounts: &Accounts,
    email: &str,
    password: &str,
) -> anyhow::Result<()> {
    let email = parse_email(email)
        .ok_or_else(|| anyhow::anyhow!("PETAL_STAFF_EMAIL is not an email address"))?;
    anyhow::ensure!(
        password.chars().count() >= 10,
        "PETAL_STAFF_PASSWORD must have at least 10 characters"
    );
    let digest = hash(password.to_owned())
        .await
        .map_err(|_| anyhow::anyhow!("hashing the staff password failed"))?;
    // Only a staff account is ever updated: a customer who signed up with this email first
    // must not become staff (and take over the staff password) when the shop starts.
    let updated = sqlx::query(
        "INSERT INTO accounts (id, email, name, password_hash, staff)
         VALUES ($1, $2, 'Petal staff', $3, true)
         ON CONFLICT (email) DO UPDATE SET password_hash = EXCLUDED.password_hash
         WHERE accounts.staff",
    )
    .bind(Uuid::now_v7())
    .bind(&email)
    .bind(&digest.0)
    .execute(&accounts.pool)
    .await?
    .rows_affected();
    anyhow::ensure!(
        updated == 1,
        "PETAL_STAFF_EMAIL belongs to a customer's account; choose another email for staff"
    );
    tracing::info!("staff account ready");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lowercased_and_typos_refused() {
        assert_eq!(
            parse_email(" Kim@Example.com ").as_deref(),
            Some("kim@example.com")
        );
        for bad in [
            "kim",
            "kim@",
            "@example.com",
            "kim@example",
            "kim@.com",
            "k im@example.com",
        ] {
            assert_eq!(parse_email(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn a_password_is_stored_as_an_argon2id_hash_that_verifies_only_itself() {
        let digest = hash("correct horse battery".into()).await.unwrap();
        assert!(digest.0.starts_with("$argon2id$"));
        assert!(!digest.0.contains("correct horse"));
        let copy = PasswordDigest(digest.0.clone());
        assert!(matches(digest, "correct horse battery".into())
            .await
            .unwrap());
        assert!(!matches(copy, "wrong horse battery".into()).await.unwrap());
    }
}
