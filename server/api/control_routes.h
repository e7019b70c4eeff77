/*
 * control_routes.h - the handlers of the control API under /mock/, one per
 * method and path (the route table in http/router.c dispatches on both).
 * They follow api.h: the request is borrowed, the answer goes into the
 * api_res. These routes are not part of the SailPoint contract and never
 * appear under a versioned path. One file per resource family:
 */
#ifndef ISC_API_CONTROL_ROUTES_H
#define ISC_API_CONTROL_ROUTES_H

#include "api.h"

/* control_clock.c: health, reset, the clock */
enum err api_mock_health(struct api_req *rq, struct api_res *rs);
enum err api_mock_reset(struct api_req *rq, struct api_res *rs);
enum err api_mock_clock_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_clock_set(struct api_req *rq, struct api_res *rs);

/* control_tasks.c: tasks and audit events */
enum err api_mock_tasks(struct api_req *rq, struct api_res *rs);
enum err api_mock_audit(struct api_req *rq, struct api_res *rs);

/* control_behaviours.c: report behaviours and the next-task queue */
enum err api_mock_reports_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_reports_delete(struct api_req *rq, struct api_res *rs);
enum err api_mock_next_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_next_post(struct api_req *rq, struct api_res *rs);
enum err api_mock_next_delete(struct api_req *rq, struct api_res *rs);
enum err api_mock_report_type_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_report_type_put(struct api_req *rq, struct api_res *rs); /* PUT and POST */
enum err api_mock_report_type_delete(struct api_req *rq, struct api_res *rs);

/* control_faults.c: injected faults */
enum err api_mock_faults_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_faults_post(struct api_req *rq, struct api_res *rs);
enum err api_mock_faults_delete(struct api_req *rq, struct api_res *rs);
enum err api_mock_fault_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_fault_delete(struct api_req *rq, struct api_res *rs);

/* control_types.c: the report types, their arguments and formats */
enum err api_mock_report_types(struct api_req *rq, struct api_res *rs);

/* control_ui.c: the console's page and files (no admin token needed to load) */
enum err api_mock_ui(struct api_req *rq, struct api_res *rs);
enum err api_mock_ui_file(struct api_req *rq, struct api_res *rs);

/* control_clients.c: API clients */
enum err api_mock_clients_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_clients_post(struct api_req *rq, struct api_res *rs);
enum err api_mock_client_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_client_delete(struct api_req *rq, struct api_res *rs);

/* control_tokens.c: minted tokens */
enum err api_mock_tokens(struct api_req *rq, struct api_res *rs);

/* control_journal.c: the request journal */
enum err api_mock_requests_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_requests_delete(struct api_req *rq, struct api_res *rs);

/* control_tenant.c: the tenant's counts, and generating a new one */
enum err api_mock_tenant_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_tenant_post(struct api_req *rq, struct api_res *rs);

/* control_states.c: snapshots of the whole state */
enum err api_mock_snapshots_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_snapshots_post(struct api_req *rq, struct api_res *rs);
enum err api_mock_snapshot_get(struct api_req *rq, struct api_res *rs);
enum err api_mock_snapshot_delete(struct api_req *rq, struct api_res *rs);
enum err api_mock_snapshot_restore(struct api_req *rq, struct api_res *rs);

#endif
