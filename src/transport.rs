//! The only place that touches the network: [`HttpRequest`]s sent with `worker::Fetch`.
//!
//! Timeouts race the exchange against `worker::Delay`; an RAII guard aborts the fetch through its
//! `AbortController` whenever the exchange does not finish — on timeout, and when the caller
//! drops the future (so dropping a subscription cancels its long-poll). Both work in workerd and
//! in browsers.

use crate::error::{Error, ErrorKind, Result};
use crate::request::{redact_token, HttpRequest, Method};
use futures::future::{select, Either};
use std::time::Duration;
use worker::{AbortController, AbortSignal, Delay, Fetch, Headers, RequestInit};

/// Status and body of an answer.
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

/// Sends `request` and reads the whole answer, giving up after `timeout`.
pub(crate) async fn send(request: &HttpRequest, timeout: Duration) -> Result<HttpResponse> {
    let mut guard = AbortOnDrop::new();
    let exchange = Box::pin(exchange(request, guard.signal()));
    match select(exchange, Box::pin(Delay::from(timeout))).await {
        Either::Left((result, _)) => {
            guard.disarm();
            result
        }
        Either::Right(_) => Err(Error::new(
            ErrorKind::Timeout,
            format!(
                "no complete answer within {} ms; the request was aborted",
                timeout.as_millis()
            ),
        )),
    }
}

/// Waits `duration` without blocking the isolate (`setTimeout` underneath).
pub(crate) async fn sleep(duration: Duration) {
    if !duration.is_zero() {
        Delay::from(duration).await;
    }
}

/// A uniform random number in `[0, 1)` for backoff jitter.
pub(crate) fn random() -> f64 {
    js_sys::Math::random()
}

async fn exchange(request: &HttpRequest, signal: AbortSignal) -> Result<HttpResponse> {
    let js_request = to_worker_request(request)?;
    let mut response =
        Fetch::Request(js_request).send_with_signal(&signal).await.map_err(transport_error)?;
    let status = response.status_code();
    let body = response.bytes().await.map_err(transport_error)?;
    Ok(HttpResponse { status, body })
}

fn to_worker_request(request: &HttpRequest) -> Result<worker::Request> {
    let headers = Headers::new();
    for (name, value) in &request.headers {
        // Header values come from validated names and tokens; a failure here is our bug.
        headers
            .set(name, value)
            .map_err(|_| Error::invalid(format!("header {name} has an invalid value")))?;
    }
    let mut init = RequestInit::new();
    init.with_method(worker_method(request.method)).with_headers(headers);
    if matches!(request.method, Method::Post | Method::Put) {
        let body = js_sys::Uint8Array::from(request.body.as_slice());
        init.with_body(Some(body.into()));
    }
    worker::Request::new_with_init(&request.url, &init).map_err(|e| {
        let message = redact_token(&e.to_string());
        Error::invalid(format!("cannot build a request for this URL: {message}"))
    })
}

fn worker_method(method: Method) -> worker::Method {
    match method {
        Method::Get => worker::Method::Get,
        Method::Post => worker::Method::Post,
        Method::Put => worker::Method::Put,
        Method::Delete => worker::Method::Delete,
    }
}

fn transport_error(error: worker::Error) -> Error {
    // The runtime's message names the failure (refused, reset, DNS) and may quote the URL, which
    // holds the token when it goes in the query string.
    let message = redact_token(&error.to_string());
    Error::new(ErrorKind::Transport, format!("the request failed before an HTTP answer: {message}"))
}

/// Aborts the fetch on drop unless disarmed after a complete exchange.
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn new() -> AbortOnDrop {
        AbortOnDrop(Some(AbortController::default()))
    }

    fn signal(&self) -> AbortSignal {
        self.0.as_ref().map(AbortController::signal).expect("signal taken before disarm")
    }

    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}
