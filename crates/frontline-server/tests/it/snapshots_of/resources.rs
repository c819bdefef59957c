//! The JSON of the main resources as the API returns them: a case (to its owner and to its
//! customer), its conversation (staff see notes, the customer does not), a decision and an ask,
//! each read back after `worked_case`.

use frontline_test_support::TestApp;
use reqwest::StatusCode;

use super::{Names, expect, worked_case};

#[tokio::test]
async fn a_case_reads_the_same_to_its_owner_and_its_customer() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mut names = Names::of(&org);
    let case = worked_case(&app, &org, &mut names).await;
    let to_owner = expect(
        app.get_case(&org.ann.token, &case.number).await,
        StatusCode::OK,
    )
    .await;
    insta::assert_json_snapshot!("case_to_its_owner", names.redact(&to_owner));
    let to_customer = expect(
        app.get_case(&org.carol.token, &case.case_id).await,
        StatusCode::OK,
    )
    .await;
    insta::assert_json_snapshot!("case_to_its_customer", names.redact(&to_customer));
}

#[tokio::test]
async fn staff_read_the_whole_conversation_and_the_customer_only_the_public_side() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mut names = Names::of(&org);
    let case = worked_case(&app, &org, &mut names).await;
    let to_staff = expect(
        app.list_messages(&org.sue.token, &case.number).await,
        StatusCode::OK,
    )
    .await;
    insta::assert_json_snapshot!("messages_to_staff", names.redact(&to_staff));
    let to_customer = expect(
        app.list_messages(&org.carol.token, &case.number).await,
        StatusCode::OK,
    )
    .await;
    insta::assert_json_snapshot!("messages_to_the_customer", names.redact(&to_customer));
}

#[tokio::test]
async fn a_decision_outside_the_guideline_reads_back_with_its_findings() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mut names = Names::of(&org);
    let case = worked_case(&app, &org, &mut names).await;
    let decision = expect(
        app.get(
            &format!("/api/v1/decisions/{}", case.decision_id),
            &org.sue.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    insta::assert_json_snapshot!("decision", names.redact(&decision));
    let on_the_case = expect(
        app.get(
            &format!("/api/v1/cases/{}/decisions", case.number),
            &org.ann.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    insta::assert_json_snapshot!("decisions_of_a_case", names.redact(&on_the_case));
}

#[tokio::test]
async fn an_answered_ask_reads_back_with_its_history_and_messages() {
    let app = TestApp::spawn().await;
    let org = app.seed().await;
    let mut names = Names::of(&org);
    let case = worked_case(&app, &org, &mut names).await;
    let ask = expect(
        app.get(&format!("/api/v1/asks/{}", case.ask_id), &org.ann.token)
            .await,
        StatusCode::OK,
    )
    .await;
    insta::assert_json_snapshot!("ask", names.redact(&ask));
}
