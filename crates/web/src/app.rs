//! Build, then run: `App::build` binds the listener (port 0 in tests) and `run_until` serves
//! until the shutdown future resolves, finishing the requests in flight.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use ui::AppState;
use ui::state::WebSettings;

use crate::{admin, calendar, health, home, identifiers, metrics, middleware, openapi};

/// The shared state for a database and settings.
pub fn state(db: db::Db, settings: WebSettings) -> Result<AppState, kernel::i18n::CatalogError> {
    // A paid case's notice moves its case on.
    cases::payment::introduce(&db);
    Ok(AppState {
        db,
        catalog: Arc::new(crate::catalog()?),
        settings: Arc::new(settings),
    })
}

/// Every route of the platform with its middleware.
pub fn router(state: AppState) -> Router {
    let metrics = metrics::Metrics::shared();
    let provider = oidc::Provider::new(state.db.clone(), state.settings.public_url());
    Router::new()
        .merge(home::router())
        .merge(org::router())
        .merge(identity::router())
        .merge(oidc::router())
        .merge(catalog::api::router())
        .merge(catalog::pages::router())
        .merge(catalog::lists::router())
        .merge(catalog::stats::router())
        .merge(catalog::manage::router())
        .merge(catalog::bundles::router())
        .merge(registry::router())
        .merge(cases::pages::router())
        .merge(cases::window::router())
        .merge(cases::station::router())
        .merge(cases::bundle::router())
        .merge(cases::system_api::router())
        .merge(certs::pages::router())
        .merge(certs::api::router())
        .merge(exchange::router())
        .merge(halls::router())
        .merge(hotline::router())
        .merge(pay::router())
        .merge(notify::pages::router())
        .merge(cases::api::router())
        .merge(calendar::router())
        .merge(identifiers::router())
        .merge(admin::router())
        .merge(health::router())
        .merge(openapi::router())
        .route("/assets/style.css", get(home::stylesheet))
        .route("/assets/print.js", get(home::print_script))
        .fallback(middleware::not_found)
        .method_not_allowed_fallback(middleware::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), ui::error::localize))
        .layer(from_fn_with_state(state.clone(), identity::guard::resolve))
        .layer(axum::Extension(provider))
        .layer(axum::Extension(catalog::search::Searcher::new()))
        .layer(axum::Extension(
            hotline::service::knowledge::index::Knowledge::new(),
        ))
        .with_state(state.clone())
        .layer(from_fn_with_state(state.clone(), middleware::ogc_html))
        .layer(from_fn(middleware::security_headers))
        .layer(from_fn_with_state(
            state.clone(),
            middleware::refuse_cross_site_writes,
        ))
        .layer(from_fn(middleware::remember_language))
        .layer(from_fn_with_state(state.clone(), middleware::transport))
        .layer(from_fn_with_state(state, middleware::api_problems))
        .layer(CompressionLayer::new())
        .layer(from_fn(move |req, next| {
            metrics::observe(metrics.clone(), req, next)
        }))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// A bound, ready-to-run server.
pub struct App {
    listener: TcpListener,
    router: Router,
    db: db::Db,
    sms: ui::state::SmsMode,
}

impl App {
    /// Binds `listen` (use port 0 to let the system choose).
    /// Without a configured public address, the platform names itself by the address it
    /// listens on (the OpenID Connect issuer must match what clients reach).
    pub async fn build(mut state: AppState, listen: SocketAddr) -> std::io::Result<App> {
        let listener = TcpListener::bind(listen).await?;
        if state.settings.public_url.is_none() {
            let mut addr = listener.local_addr()?;
            if addr.ip().is_unspecified() {
                addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
            }
            let mut settings = (*state.settings).clone();
            settings.public_url = Some(format!("http://{addr}"));
            state.settings = Arc::new(settings);
        }
        Ok(App {
            listener,
            db: state.db.clone(),
            sms: state.settings.sms.clone(),
            router: router(state),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let tidy = crate::housekeeping::spawn(self.db.clone());
        let texts = notify::service::send::spawn(
            self.db.clone(),
            notify::service::send::Senders {
                sms: self.sms.clone(),
                http: Some(Arc::new(crate::outbound::Webhooks(self.db.clone()))),
            },
        );
        let case_news = cases::notify::spawn(self.db.clone());
        let deadlines = cases::alerts::spawn(self.db.clone());
        let requests = exchange::requests::alerts::spawn(self.db.clone());
        let changes = exchange::subscriptions::deliver::spawn(self.db.clone());
        let hall = halls::service::spawn_sweeper(self.db.clone());
        let hall_texts = halls::notify::spawn(self.db.clone());
        let payments = pay::spawn_sweep(self.db.clone(), std::time::Duration::from_secs(30));
        let figures = hotline::service::kpi::spawn(self.db.clone());
        // Screens' event streams never end by themselves: closing the feed ends them, so the
        // graceful shutdown does not wait for them.
        let db = self.db.clone();
        let shutdown = async move {
            shutdown.await;
            halls::live::close(&db);
        };
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        tidy.abort();
        texts.abort();
        case_news.abort();
        deadlines.abort();
        requests.abort();
        changes.abort();
        hall.abort();
        hall_texts.abort();
        payments.abort();
        figures.abort();
        served
    }
}
