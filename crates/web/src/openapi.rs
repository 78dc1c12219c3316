//! The API description (`/openapi.json`) and its interactive docs (`/docs`).

//! The JSON API. Every route but `/health` and the docs needs a session or a bearer token.

use crate::bidder::catalog::api::*;
use crate::error::ErrorBody;
use crate::AppState;
use axum::routing::get;
use axum::{Json, Router};
use rtbcat_app::bidder::catalog::CatalogStats;
use rtbcat_app::bidder::catalog::CreativeDetail;
use rtbcat_app::bidder::catalog::CreativePage;
use rtbcat_app::bidder::catalog::SizeCount;
use rtbcat_app::platform::accounts::User;
use rtbcat_app::platform::audit::AuditEntry;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The interactive API documentation: Swagger UI (shipped inside the binary, its files
/// under `/docs/ui/`) in our own page, which has a way back to the app.
pub fn docs_routes() -> Router {
    let page = || async {
        (
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            DOCS_PAGE.replace("{version}", crate::assets::ASSET_VERSION),
        )
    };
    swagger_ui_dist::generate_routes(swagger_ui_dist::ApiDefinition {
        uri_prefix: "/docs/ui",
        api_definition: swagger_ui_dist::OpenApiSource::Uri("/openapi.json"),
        title: Some("rtbcat API"),
    })
    .route("/docs", get(page))
    .route("/docs/", get(page))
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs · rtbcat</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/docs/ui/swagger-ui.css">
<link rel="stylesheet" href="/assets/{version}/app.css">
</head>
<body class="docs-page">
<header class="docs-bar"><a href="/app/creatives" class="brand"><img src="/favicon.svg" alt="" width="24" height="24"> rtbcat</a><a class="link-on-dark" href="/app/creatives">← Back to the app</a><a class="link-on-dark" href="/openapi.json">openapi.json</a></header>
<div id="swagger-ui"></div>
<script src="/docs/ui/swagger-ui-bundle.js"></script>
<script src="/assets/{version}/docs.js"></script>
</body>
</html>"#;

#[derive(OpenApi)]
#[openapi(
    info(title = "rtbcat API", description = "Creative intelligence and offer popups. Authenticate with a session cookie (sign in at /login) or `Authorization: Bearer <token>` (create one with `rtbcat token create`)."),
    paths(crate::platform::system::health, crate::platform::observe::metrics, stats, sizes, list_creatives, get_creative, import_creatives,
          crate::platform::system::me, crate::platform::audit::audit_log,
          crate::bidder::performance::api::import_performance, crate::bidder::performance::api::list_imports,
          crate::bidder::performance::api::creative_metrics, crate::bidder::waste::api::waste,
          crate::bidder::waste::api::size_coverage, crate::bidder::waste::api::funnel,
          crate::bidder::campaigns::api::list_campaigns, crate::bidder::campaigns::api::get_campaign,
          crate::bidder::campaigns::api::cluster, crate::bidder::campaigns::api::change_campaign,
          crate::bidder::campaigns::api::move_creatives, crate::bidder::campaigns::api::merge_campaigns,
          crate::bidder::campaigns::api::split_campaign,
          crate::bidder::opportunities::api::list_opportunities, crate::bidder::opportunities::api::get_opportunity,
          crate::bidder::opportunities::api::change_state, crate::bidder::opportunities::api::geographic,
          crate::bidder::queries::api::run_query, crate::bidder::queries::api::list_saved,
          crate::bidder::queries::api::save_query, crate::bidder::queries::api::delete_saved,
          crate::bidder::alerts::api::list_rules, crate::bidder::alerts::api::create_rule,
          crate::bidder::alerts::api::delete_rule, crate::bidder::alerts::api::list_deliveries,
          crate::bidder::alerts::api::evaluate,
          crate::bidder::seats::api::seats, crate::bidder::seats::api::discover, crate::bidder::seats::api::sync,
          crate::bidder::seats::api::syncs, crate::bidder::seats::api::keys, crate::bidder::seats::api::add_key,
          crate::bidder::pretargeting::api::configs, crate::bidder::pretargeting::api::refresh,
          crate::bidder::pretargeting::api::snapshots, crate::bidder::pretargeting::api::propose,
          crate::bidder::pretargeting::api::list_proposals, crate::bidder::pretargeting::api::get_proposal,
          crate::bidder::pretargeting::api::apply, crate::bidder::pretargeting::api::rollback,
          crate::bidder::pretargeting::api::guard,
          crate::popups::experiments::list, crate::popups::experiments::create, crate::popups::experiments::get_one,
          crate::popups::experiments::start, crate::popups::experiments::stop,
          crate::popups::experiments::get_rotation, crate::popups::experiments::set_rotation),
    components(schemas(ErrorBody, crate::platform::system::Health, CatalogStats, SizeCount, CreativePage,
          CreativeDetail, User, ImportSummary, AuditEntry, rtbcat_app::bidder::performance::PerformanceImportReport,
          rtbcat_app::bidder::performance::ImportRecord, crate::bidder::performance::api::MetricsRow,
          rtbcat_app::bidder::waste::WasteReport, rtbcat_app::bidder::waste::FunnelReport,
          rtbcat_app::bidder::waste::FunnelGroupView, rtbcat_app::bidder::waste::FilteringReason,
          rtbcat_app::bidder::waste::WindowView, rtbcat_app::bidder::waste::Sources,
          rtbcat_app::bidder::campaigns::CampaignView, rtbcat_app::bidder::campaigns::ClusterReport,
          rtbcat_app::bidder::campaigns::CampaignDetail, rtbcat_app::bidder::campaigns::MemberView,
          rtbcat_app::bidder::campaigns::CutView, rtbcat_app::bidder::campaigns::Totals,
          rtbcat_app::bidder::campaigns::Share, rtbcat_app::bidder::campaigns::ClusterWith,
          rtbcat_app::bidder::campaigns::llm::LlmUsage, crate::bidder::campaigns::api::ClusterRequest,
          crate::bidder::campaigns::api::CampaignChange, crate::bidder::campaigns::api::CreativeIds,
          crate::bidder::campaigns::api::MergeRequest, crate::bidder::campaigns::api::SplitRequest,
          rtbcat_app::bidder::opportunities::Opportunity, rtbcat_app::bidder::opportunities::OpportunityList,
          crate::bidder::opportunities::api::StateChange, rtbcat_app::bidder::opportunities::GeoInsights,
          rtbcat_app::bidder::opportunities::GeoPattern, rtbcat_app::bidder::queries::QueryResult,
          rtbcat_app::bidder::queries::ResultRow, crate::bidder::queries::api::RunRequest,
          crate::bidder::queries::api::Saved, crate::bidder::queries::api::SaveRequest,
          rtbcat_app::bidder::alerts::AlertRuleInput, rtbcat_app::bidder::alerts::AlertRuleView,
          rtbcat_app::bidder::alerts::DeliveryView, rtbcat_app::bidder::alerts::EvaluationReport,
          rtbcat_app::bidder::google::SeatView, rtbcat_app::bidder::google::DiscoveryReport,
          rtbcat_app::bidder::google::SyncView, rtbcat_app::bidder::google::KeyInfo,
          rtbcat_app::bidder::pretargeting::ConfigView, rtbcat_app::bidder::pretargeting::WasteLine,
          rtbcat_app::bidder::pretargeting::SnapshotView, rtbcat_app::bidder::pretargeting::ProposalView,
          rtbcat_app::bidder::pretargeting::QpsEffect, rtbcat_app::bidder::pretargeting::GuardView,
          rtbcat_app::bidder::pretargeting::RollbackReport, rtbcat_core::bidder::pretargeting::Change,
          rtbcat_core::bidder::pretargeting::FieldDiff, crate::bidder::pretargeting::api::ProposalRequest,
          crate::bidder::pretargeting::api::Approval, rtbcat_app::popups::experiments::ExperimentInput,
          rtbcat_app::popups::experiments::ArmInput, rtbcat_app::popups::experiments::ExperimentView,
          rtbcat_app::popups::experiments::ArmView, crate::popups::experiments::StopRequest,
          rtbcat_app::popups::experiments::RotationInput, rtbcat_app::popups::experiments::RotationView,
          rtbcat_core::popups::rotation::Allocation)),
    modifiers(&SecurityAddon),
    security(("bearer" = []), ("session" = [])),
    tags((name = "system"), (name = "catalog", description = "Creatives, sizes and seats"), (name = "account"), (name = "campaigns", description = "The bidder's creatives clustered into campaigns (the popup offers are under /api/campaigns, tag popups)"), (name = "opportunities", description = "Profit pockets per campaign, significance-tested"), (name = "alerts", description = "Rules, webhooks and e-mail when numbers move"), (name = "queries", description = "Custom queries over the performance data"), (name = "waste", description = "Traffic the bidder cannot or does not use, and what to stop asking for"), (name = "seats", description = "Live Authorized Buyers: service-account keys, seat discovery and creative syncs from Google's Real-time Bidding API"), (name = "pretargeting", description = "Pretargeting configs, proposals with a dry run, apply with approval, snapshots, rollback, the QPS guard"))
)]
pub struct ApiDoc;

pub(crate) struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::session::SESSION_COOKIE))),
        );
    }
}

/// The whole API description: the catalog and performance routes plus the popup wing's.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::popups::PopupDoc::openapi());
    doc.merge(crate::platform::accounts::AccountsDoc::openapi());
    doc
}

pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}
