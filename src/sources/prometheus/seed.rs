//! The services' response times of the last hour, asked once with
//! `/api/v1/query_range` so the Services page's sparklines are full right
//! after a start.
//!
//! The query is the probe query's matchers on `probe_duration_seconds`,
//! kept only where the same probe succeeded (`and on (instance, job)
//! probe_success == 1`), because the core records a response time only
//! while a service is up: a failed probe's duration is the time it took to
//! fail. The range is the last hour in the core's step (30 s). It is asked
//! after the first good cycle and again after every good cycle until it
//! succeeds; a failure of it is logged, never a failure of the source.

use chrono::{DateTime, Utc};
use url::Url;

use super::parse::{QueryResult, ServicePlan};
use super::{PrometheusSource, classify, probe_query};
use crate::core::histories::{HOUR_S, SERVICE_STEP_S};
use crate::core::{Failure, Point, ServiceSeed};

/// The PromQL of the seed.
pub fn query(services: &[ServicePlan]) -> String {
    format!(
        "{} and on (instance, job) ({} == 1)",
        probe_query("probe_duration_seconds", services),
        probe_query("probe_success", services),
    )
}

/// Each configured service's points from the range query's matrix: where
/// several series probe one service, the slowest at each time (as the
/// instant query does); non-finite values and times before 1970 are dropped.
pub fn seeds(plan: &[ServicePlan], result: &QueryResult) -> Vec<ServiceSeed> {
    let QueryResult::Matrix(series) = result else {
        return Vec::new();
    };
    plan.iter()
        .filter_map(|p| {
            let mut points: Vec<Point> = series
                .iter()
                .filter(|s| p.matches_labels(&s.labels))
                .flat_map(|s| s.times.iter().zip(&s.values))
                .filter(|(t, v)| v.is_finite() && t.is_finite() && **t > 0.0)
                .map(|(t, v)| Point {
                    at_s: t.floor() as i64,
                    value: *v as f32,
                })
                .collect();
            points.sort_by(|a, b| a.at_s.cmp(&b.at_s).then(b.value.total_cmp(&a.value)));
            points.dedup_by_key(|p| p.at_s);
            (!points.is_empty()).then(|| ServiceSeed {
                service: p.name.clone(),
                points,
            })
        })
        .collect()
}

impl PrometheusSource {
    /// The seed, if it is still to be fetched and this attempt succeeds.
    pub(super) async fn seed(&mut self, now: DateTime<Utc>) -> Vec<ServiceSeed> {
        if self.seeded || self.services.is_empty() {
            return Vec::new();
        }
        match self.fetch_seed(now).await {
            Ok(seeds) => {
                self.seeded = true;
                seeds
            }
            Err(reason) => {
                tracing::info!(source = "Prometheus", %reason, "no response-time history yet; asking again at the next poll");
                Vec::new()
            }
        }
    }

    async fn fetch_seed(&self, now: DateTime<Utc>) -> Result<Vec<ServiceSeed>, String> {
        let url = self.range_url(now).map_err(|f| f.message)?;
        let body = self.endpoint.get(url).await.map_err(|f| f.message)?;
        match classify(&body) {
            Ok(Ok(result)) => Ok(seeds(&self.services, &result)),
            Ok(Err(reason)) => Err(reason),
            Err(f) => Err(f.message),
        }
    }

    /// `/api/v1/query_range` of the seed's query over the hour up to `now`.
    fn range_url(&self, now: DateTime<Utc>) -> Result<Url, Failure> {
        let end = now.timestamp().div_euclid(SERVICE_STEP_S) * SERVICE_STEP_S;
        let mut url = self.endpoint.url(&["api", "v1", "query_range"])?;
        url.query_pairs_mut()
            .append_pair("query", &query(&self.services))
            .append_pair("start", &(end - HOUR_S).to_string())
            .append_pair("end", &end.to_string())
            .append_pair("step", &SERVICE_STEP_S.to_string())
            .append_pair("timeout", &self.prometheus_timeout());
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::prometheus::parse::{Reply, parse_reply};

    const FIXTURE: &str =
        include_str!("../../../tests/fixtures/prometheus/probe_duration_range.json");

    fn plan(name: &str, target: &str) -> ServicePlan {
        ServicePlan {
            name: name.into(),
            target: target.into(),
            job: None,
            slow_after_s: 3.0,
        }
    }

    #[test]
    fn each_service_gets_its_points_the_slowest_of_several_series() {
        let Ok(Reply::Success { result, .. }) = parse_reply(FIXTURE.as_bytes()) else {
            panic!("the fixture is a success envelope")
        };
        let plans = [
            plan("Plex", "https://plex.woodhead.tech"),
            plan("Sonarr", "https://sonarr.woodhead.tech"),
            plan("Radarr", "https://radarr.woodhead.tech"),
        ];
        let s = seeds(&plans, &result);
        let got: Vec<(&str, Vec<(i64, f32)>)> = s
            .iter()
            .map(|s| {
                let points = s.points.iter().map(|p| (p.at_s - 1_795_248_000, p.value));
                (s.service.as_str(), points.collect())
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Plex",
                    vec![(0, 0.090), (30, 0.064), (60, 0.070), (120, 0.066)]
                ),
                ("Sonarr", vec![(0, 0.095), (60, 0.101)]),
            ]
        );
        assert!(seeds(&plans, &QueryResult::Scalar(1.0)).is_empty());
    }

    #[test]
    fn the_query_keeps_only_successful_probes() {
        let q = query(&[plan("Plex", "https://plex.woodhead.tech")]);
        assert_eq!(
            q,
            r#"probe_duration_seconds{instance=~"https://plex\\.woodhead\\.tech"} and on (instance, job) (probe_success{instance=~"https://plex\\.woodhead\\.tech"} == 1)"#
        );
    }
}
