//! Accounts and the session: sign up, sign in (with a new session id), sign out, who am I.
//! Passwords are hashed with Argon2id off the async threads, as many at once as there are cores
//! (`edge::limits::hashing`); the hash never leaves this module.

use super::{csrf, ApiError, ApiState, JsonBody};
use crate::edge::limits::hashing;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use axum::{extract::State, http::StatusCode, Json};
use contracts::{florist::StaffMember, order::FieldProblem};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

const SESSION_KEY: &str = "account";

/// What a session keeps of who signed in: the account and the generation of its sessions at
/// the time. Everything else (name, staff or not) is read fresh on every request, so a change
/// to the account applies at once, and a newer generation ends this session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct SignedIn {
    id: Uuid,
    generation: i32,
}

/// Who is signed in, as this request sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentAccount {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub staff: bool,
    /// The generation of the account's sessions this one belongs to (never sent out).
    #[serde(skip)]
    pub generation: i32,
}

impl CurrentAccount {
    /// The signed-in account, or `None` for a visitor or a session that has ended (its account
    /// moved to a newer generation, or is gone); such a session is deleted.
    pub async fn of(session: &Session, accounts: &Accounts) -> Result<Option<Self>, ApiError> {
        let Some(signed_in) = session.get::<SignedIn>(SESSION_KEY).await? else {
            return Ok(None);
        };
        let row: Option<(String, String, bool, i32)> = sqlx::query_as(
            "SELECT email, name, staff, session_generation FROM accounts
             WHERE id = $1 AND removed_at IS NULL",
        )
        .bind(signed_in.id)
        .fetch_optional(&accounts.pool)
        .await?;
        match row {
            Some((email, name, staff, generation)) if generation == signed_in.generation => {
                Ok(Some(Self {
                    id: signed_in.id,
                    email,
                    name,
                    staff,
                    generation,
                }))
            }
            _ => {
                session.flush().await?;
                Ok(None)
            }
        }
    }
}

/// The signed-in account as a handler argument: a stranger gets 401 before any body is read.
impl axum::extract::FromRequestParts<ApiState> for CurrentAccount {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &ApiState,
    ) -> Result<Self, ApiError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, message)| ApiError::internal(message))?;
        Self::of(&session, &state.accounts)
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// A signed-in staff member as a handler argument: 401 for strangers, 403 for customers, before
/// any body is read.
pub struct Staff(pub CurrentAccount);

impl axum::extract::FromRequestParts<ApiState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &ApiState,
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

async fn hash(accounts: &Accounts, password: String) -> Result<PasswordDigest, ApiError> {
    hashing(&accounts.hashing, move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| PasswordDigest(hash.to_string()))
    })
    .await?
    .map_err(ApiError::internal)
}

async fn matches(
    accounts: &Accounts,
    digest: PasswordDigest,
    password: String,
) -> Result<bool, ApiError> {
    hashing(&accounts.hashing, move || {
        let parsed = PasswordHash::new(&digest.0).map_err(ApiError::internal)?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

/// The accounts table of the web role's database.
#[derive(Clone)]
pub struct Accounts {
    pool: PgPool,
    /// One password hash per core at a time (see `edge::limits::hashing`).
    hashing: std::sync::Arc<tokio::sync::Semaphore>,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: Uuid,
    email: String,
    name: String,
    password_hash: String,
    staff: bool,
    session_generation: i32,
}

impl Accounts {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            hashing: crate::edge::limits::hashing_gate(),
        }
    }

    /// The customers (not staff) whose email is `raw`, for the staff's order search.
    pub async fn customers_with_email(&self, raw: &str) -> Result<Vec<Uuid>, ApiError> {
        let Some(email) = parse_email(raw) else {
            return Ok(Vec::new());
        };
        Ok(
            sqlx::query_scalar("SELECT id FROM accounts WHERE email = $1 AND NOT staff")
                .bind(email)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn find(&self, email: &str) -> Result<Option<AccountRow>, ApiError> {
        Ok(sqlx::query_as(
            "SELECT id, email, name, password_hash, staff, session_generation
             FROM accounts WHERE email = $1 AND removed_at IS NULL",
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
    let signed_in = SignedIn {
        id: account.id,
        generation: account.generation,
    };
    session.insert(SESSION_KEY, signed_in).await?;
    let csrf_token = csrf::renew(session).await?;
    Ok(SessionBody {
        account: Some(account.clone()),
        csrf_token,
    })
}

/// A new account's email, name and password, checked together so every mistake is named at
/// once; the email lowercased and the name trimmed.
fn checked_new_account(form: &SignUp) -> Result<(String, String), ApiError> {
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
    match email {
        Some(email) if problems.is_empty() => Ok((email, name.to_owned())),
        _ => Err(ApiError::invalid(problems)),
    }
}

/// Creates the account with the password's hash; `Ok(None)` when the email is taken.
async fn create(
    state: &ApiState,
    form: SignUp,
    staff: bool,
    added_by: Option<&str>,
) -> Result<Option<CurrentAccount>, ApiError> {
    let (email, name) = checked_new_account(&form)?;
    let digest = hash(&state.accounts, form.password).await?;
    let account = CurrentAccount {
        id: Uuid::now_v7(),
        email,
        name,
        staff,
        generation: 0,
    };
    let inserted = sqlx::query(
        "INSERT INTO accounts (id, email, name, password_hash, staff, added_by)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(account.id)
    .bind(&account.email)
    .bind(&account.name)
    .bind(&digest.0)
    .bind(staff)
    .bind(added_by)
    .execute(&state.accounts.pool)
    .await?;
    Ok((inserted.rows_affected() == 1).then_some(account))
}

fn email_taken() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "email_taken",
        "an account with this email exists; sign in instead",
    )
}

#[tracing::instrument(skip_all)]
pub async fn sign_up(
    session: Session,
    State(state): State<ApiState>,
    JsonBody(form): JsonBody<SignUp>,
) -> Result<(StatusCode, Json<SessionBody>), ApiError> {
    let account = create(&state, form, false, None)
        .await?
        .ok_or_else(email_taken)?;
    Ok((StatusCode::CREATED, Json(start(&session, &account).await?)))
}

/// `GET /api/staffAccounts`: the shop's staff, oldest first (staff).
pub async fn staff_accounts(
    _staff: Staff,
    State(state): State<ApiState>,
) -> Result<Json<Vec<StaffMember>>, ApiError> {
    let rows: Vec<(
        String,
        String,
        Option<String>,
        chrono::DateTime<chrono::Utc>,
    )> = sqlx::query_as(
        "SELECT email, name, added_by, created_at FROM accounts
             WHERE staff AND removed_at IS NULL ORDER BY created_at, email",
    )
    .fetch_all(&state.accounts.pool)
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(email, name, added_by, created_at)| StaffMember {
                email,
                name,
                added_by,
                created_at,
            })
            .collect(),
    ))
}

/// `POST /api/staffAccounts` with `{"email", "name", "password"}`: a staff member adds a
/// colleague, who signs in with that password and should change it. An email that belongs to
/// a customer is refused: a customer's account never becomes staff behind their back.
#[tracing::instrument(skip_all)]
pub async fn add_staff(
    Staff(by): Staff,
    State(state): State<ApiState>,
    JsonBody(form): JsonBody<SignUp>,
) -> Result<(StatusCode, Json<StaffMember>), ApiError> {
    let added = create(&state, form, true, Some(&by.email))
        .await?
        .ok_or_else(|| {
            ApiError::field(
                "email",
                "taken",
                "an account with this email exists; choose another email for the new staff member",
            )
        })?;
    tracing::info!(added = %added.email, by = %by.email, "a staff account was added");
    let created_at = sqlx::query_scalar("SELECT created_at FROM accounts WHERE id = $1")
        .bind(added.id)
        .fetch_one(&state.accounts.pool)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(StaffMember {
            email: added.email,
            name: added.name,
            added_by: Some(by.email),
            created_at,
        }),
    ))
}

#[tracing::instrument(skip_all)]
pub async fn sign_in(
    session: Session,
    State(state): State<ApiState>,
    JsonBody(form): JsonBody<SignIn>,
) -> Result<Json<SessionBody>, ApiError> {
    let email = parse_email(&form.email).unwrap_or_default();
    // Guessing one account's password is slow from any number of addresses.
    state.limits.sign_in_attempt(&email)?;
    sign_in_as(&session, &state, &email, form.password).await
}

async fn sign_in_as(
    session: &Session,
    state: &ApiState,
    email: &str,
    password: String,
) -> Result<Json<SessionBody>, ApiError> {
    let row = state.accounts.find(email).await?;
    let right = match &row {
        Some(row) => {
            matches(
                &state.accounts,
                PasswordDigest(row.password_hash.clone()),
                password,
            )
            .await?
        }
        // As slow as a wrong password, so response times do not tell which emails exist.
        None => hash(&state.accounts, password).await.map(|_| false)?,
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
        generation: row.session_generation,
    };
    Ok(Json(start(session, &account).await?))
}

/// `DELETE /api/session`: signs this browser out and ends its live streams here.
pub async fn sign_out(
    session: Session,
    State(state): State<ApiState>,
) -> Result<StatusCode, ApiError> {
    if let Some(signed_in) = session.get::<SignedIn>(SESSION_KEY).await? {
        let id = session.id().map(|id| id.to_string());
        state.live.signed_out(signed_in.id, id.as_deref());
    }
    session.flush().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/sessions`: signs this account out on every browser and device, this one too.
pub async fn sign_out_everywhere(
    account: CurrentAccount,
    session: Session,
    State(state): State<ApiState>,
) -> Result<StatusCode, ApiError> {
    end_every_session(&state.accounts.pool, account.id).await?;
    session.flush().await?;
    state.live.signed_out(account.id, None);
    Ok(StatusCode::NO_CONTENT)
}

async fn end_every_session(pool: &PgPool, account: Uuid) -> Result<(), ApiError> {
    sqlx::query("UPDATE accounts SET session_generation = session_generation + 1 WHERE id = $1")
        .bind(account)
        .execute(pool)
        .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct NewPassword {
    current_password: String,
    new_password: String,
}

/// `PUT /api/account/password`: a new password, given the current one. Every other session
/// of the account ends; this browser gets a new one.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    account: CurrentAccount,
    session: Session,
    State(state): State<ApiState>,
    JsonBody(form): JsonBody<NewPassword>,
) -> Result<Json<SessionBody>, ApiError> {
    state.limits.sign_in_attempt(&account.email)?;
    let length = form.new_password.chars().count();
    if !(10..=128).contains(&length) {
        return Err(ApiError::field(
            "new_password",
            "too_short",
            "use 10 to 128 characters for the password",
        ));
    }
    let row = state
        .accounts
        .find(&account.email)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if !matches(
        &state.accounts,
        PasswordDigest(row.password_hash),
        form.current_password,
    )
    .await?
    {
        return Err(ApiError::field(
            "current_password",
            "wrong",
            "the current password is wrong",
        ));
    }
    let digest = hash(&state.accounts, form.new_password).await?;
    let generation: i32 = sqlx::query_scalar(
        "UPDATE accounts SET password_hash = $2, session_generation = session_generation + 1
         WHERE id = $1 RETURNING session_generation",
    )
    .bind(account.id)
    .bind(&digest.0)
    .fetch_one(&state.accounts.pool)
    .await?;
    state.live.signed_out(account.id, None);
    let account = CurrentAccount {
        generation,
        ..account
    };
    Ok(Json(start(&session, &account).await?))
}

/// `GET /api/session`: who is signed in, and the CSRF token for their next change. A visitor
/// costs no session row: their token comes in a cookie of its own (see [`csrf`]).
pub async fn who_am_i(
    session: Session,
    State(state): State<ApiState>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let account = CurrentAccount::of(&session, &state.accounts).await?;
    if account.is_some() {
        let csrf_token = csrf::token(&session).await?;
        return Ok(Json(SessionBody {
            account,
            csrf_token,
        })
        .into_response());
    }
    let (csrf_token, set_cookie) = csrf::visitor_token(&headers, state.secure_cookies);
    let mut response = Json(SessionBody {
        account: None,
        csrf_token,
    })
    .into_response();
    if let Some(cookie) = set_cookie {
        response
            .headers_mut()
            .insert(axum::http::header::SET_COOKIE, cookie);
    }
    Ok(response)
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
    if let Some(row) = accounts
        .find(&email)
        .await
        .map_err(|_| anyhow::anyhow!("reading the staff account failed"))?
    {
        // A customer who signed up with this email first must not become staff (and take
        // over the staff password) when the shop starts.
        anyhow::ensure!(
            row.staff,
            "PETAL_STAFF_EMAIL belongs to a customer's account; choose another email for staff"
        );
        let same = matches(
            accounts,
            PasswordDigest(row.password_hash),
            password.to_owned(),
        )
        .await
        .map_err(|_| anyhow::anyhow!("checking the staff password failed"))?;
        if !same {
            // A new password from configuration ends every session signed in with the old one.
            let digest = hash(accounts, password.to_owned())
                .await
                .map_err(|_| anyhow::anyhow!("hashing the staff password failed"))?;
            sqlx::query(
                "UPDATE accounts SET password_hash = $2, session_generation = session_generation + 1
                 WHERE id = $1",
            )
            .bind(row.id)
            .bind(&digest.0)
            .execute(&accounts.pool)
            .await?;
        }
    } else {
        let digest = hash(accounts, password.to_owned())
            .await
            .map_err(|_| anyhow::anyhow!("hashing the staff password failed"))?;
        // Another instance starting at the same moment may insert it first: that is fine.
        sqlx::query(
            "INSERT INTO accounts (id, email, name, password_hash, staff)
             VALUES ($1, $2, 'Petal staff', $3, true) ON CONFLICT (email) DO NOTHING",
        )
        .bind(Uuid::now_v7())
        .bind(&email)
        .bind(&digest.0)
        .execute(&accounts.pool)
        .await?;
    }
    tracing::info!("staff account ready");
    Ok(())
}

/// `DELETE /api/staffAccounts/{email}`: a member of staff removes a colleague. The account
/// can no longer sign in, its sessions and live streams end, and the histories keep its
/// name. Nobody removes themselves, nor the account from the shop's configuration (the way
/// in, which nobody added).
#[tracing::instrument(skip_all)]
pub async fn remove_staff(
    Staff(by): Staff,
    State(state): State<ApiState>,
    super::PathParams(email): super::PathParams<String>,
) -> Result<StatusCode, ApiError> {
    let email = parse_email(&email).ok_or_else(|| ApiError::not_found("staff member"))?;
    let row: Option<(Uuid, Option<String>)> = sqlx::query_as(
        "SELECT id, added_by FROM accounts WHERE email = $1 AND staff AND removed_at IS NULL",
    )
    .bind(&email)
    .fetch_optional(&state.accounts.pool)
    .await?;
    let Some((id, added_by)) = row else {
        return Err(ApiError::not_found("staff member"));
    };
    if id == by.id {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "not_yourself",
            "you cannot remove yourself; ask a colleague",
        ));
    }
    if added_by.is_none() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "configured_account",
            "this is the account from the shop's configuration (PETAL_STAFF_EMAIL), the way in; \
             change it there",
        ));
    }
    sqlx::query(
        "UPDATE accounts SET staff = false, removed_at = now(), removed_by = $2,
                session_generation = session_generation + 1
         WHERE id = $1",
    )
    .bind(id)
    .bind(&by.email)
    .execute(&state.accounts.pool)
    .await?;
    state.live.signed_out(id, None);
    tracing::info!(removed = %email, by = %by.email, "a staff account was removed");
    Ok(StatusCode::NO_CONTENT)
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
        // Hashing needs no database.
        let accounts = Accounts::new(PgPool::connect_lazy("postgres://nowhere/none").unwrap());
        let digest = hash(&accounts, "correct horse battery".into())
            .await
            .unwrap();
        assert!(digest.0.starts_with("$argon2id$"));
        assert!(!digest.0.contains("correct horse"));
        let copy = PasswordDigest(digest.0.clone());
        assert!(matches(&accounts, digest, "correct horse battery".into())
            .await
            .unwrap());
        assert!(!matches(&accounts, copy, "wrong horse battery".into())
            .await
            .unwrap());
    }
}
