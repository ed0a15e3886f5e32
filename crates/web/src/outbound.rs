//! The notification service's webhooks go out through the exchange's outbound client (one
//! pooled client, HTTPS with the configured authorities, only to the allowed hosts).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Posts notification webhooks with `exchange::outbound`.
pub struct Webhooks(pub db::Db);

impl notify::service::send::Http for Webhooks {
    fn post<'a>(
        &'a self,
        url: &'a str,
        headers: Vec<(&'static str, String)>,
        body: String,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send + 'a>> {
        Box::pin(async move {
            exchange::outbound::send(
                &self.0,
                hyper::Method::POST,
                url,
                &headers,
                bytes::Bytes::from(body),
                Duration::from_secs(10),
            )
            .await
            .map(|reply| reply.status)
        })
    }
}
