//! Typed decode of every response type (and every stream event type) through one dispatcher, the
//! way the operation functions decode: the first byte picks the type, the rest is the body.
//! Nothing may panic; a value that decodes must encode again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openrouter::core::fuzzing::decode;
use openrouter::models::*;

fn check<T: serde::de::DeserializeOwned + serde::Serialize>(body: &[u8], event_stream: bool) {
    if let Ok(value) = decode::<T>(body, event_stream) {
        serde_json::to_vec(&value).expect("a decoded value encodes");
    }
}

/// The types, in the order the first byte picks them.
const TYPES: usize = 89;

fuzz_target!(|input: &[u8]| {
    let Some((&pick, body)) = input.split_first() else { return };
    let sse = pick & 0x80 != 0;
    match usize::from(pick & 0x7f) % TYPES {
        0 => check::<ActivityResponse>(body, sse),
        1 => check::<AppRankingsResponse>(body, sse),
        2 => check::<BulkAddWorkspaceMembersResponse>(body, sse),
        3 => check::<BulkAssignKeysResponse>(body, sse),
        4 => check::<BulkAssignMembersResponse>(body, sse),
        5 => check::<BulkRemoveWorkspaceMembersResponse>(body, sse),
        6 => check::<BulkUnassignKeysResponse>(body, sse),
        7 => check::<BulkUnassignMembersResponse>(body, sse),
        8 => check::<ChatResult>(body, sse),
        9 => check::<CreateAuthKeysCodeResponse>(body, sse),
        10 => check::<CreateBYOKKeyResponse>(body, sse),
        11 => check::<CreateEmbeddingsResponse>(body, sse),
        12 => check::<CreateGuardrailResponse>(body, sse),
        13 => check::<CreateKeysResponse>(body, sse),
        14 => check::<CreateObservabilityDestinationResponse>(body, sse),
        15 => check::<CreatePresetFromInferenceResponse>(body, sse),
        16 => check::<CreateRerankResponse>(body, sse),
        17 => check::<CreateScimGroupMappingResponse>(body, sse),
        18 => check::<CreateWorkspaceResponse>(body, sse),
        19 => check::<DeleteBYOKKeyResponse>(body, sse),
        20 => check::<DeleteGuardrailResponse>(body, sse),
        21 => check::<DeleteKeysResponse>(body, sse),
        22 => check::<DeleteObservabilityDestinationResponse>(body, sse),
        23 => check::<DeleteScimGroupMappingResponse>(body, sse),
        24 => check::<DeleteWorkspaceBudgetResponse>(body, sse),
        25 => check::<DeleteWorkspaceResponse>(body, sse),
        26 => check::<ExchangeAuthCodeForAPIKeyResponse>(body, sse),
        27 => check::<FileDeleteResponse>(body, sse),
        28 => check::<FileListResponse>(body, sse),
        29 => check::<FileResponse>(body, sse),
        30 => check::<GenerationContentResponse>(body, sse),
        31 => check::<GenerationResponse>(body, sse),
        32 => check::<GetAnalyticsMetaResponse>(body, sse),
        33 => check::<GetBYOKKeyResponse>(body, sse),
        34 => check::<GetCreditsResponse>(body, sse),
        35 => check::<GetCurrentKeyResponse>(body, sse),
        36 => check::<GetGuardrailResponse>(body, sse),
        37 => check::<GetKeyResponse>(body, sse),
        38 => check::<GetObservabilityDestinationResponse>(body, sse),
        39 => check::<GetPresetResponse>(body, sse),
        40 => check::<GetPresetVersionResponse>(body, sse),
        41 => check::<GetScimGroupMappingResponse>(body, sse),
        42 => check::<GetWorkspaceBudgetResponse>(body, sse),
        43 => check::<GetWorkspaceResponse>(body, sse),
        44 => check::<ImageGenerationResponse>(body, sse),
        45 => check::<ImageModelEndpointsResponse>(body, sse),
        46 => check::<ImageModelsListResponse>(body, sse),
        47 => check::<ListBYOKKeysResponse>(body, sse),
        48 => check::<ListEndpointsResponseInline>(body, sse),
        49 => check::<ListEndpointsZdrResponse>(body, sse),
        50 => check::<ListGuardrailsResponse>(body, sse),
        51 => check::<ListKeyAssignmentsResponse>(body, sse),
        52 => check::<ListMemberAssignmentsResponse>(body, sse),
        53 => check::<ListObservabilityDestinationsResponse>(body, sse),
        54 => check::<ListOrganizationMembersResponse>(body, sse),
        55 => check::<ListPresetVersionsResponse>(body, sse),
        56 => check::<ListPresetsResponse>(body, sse),
        57 => check::<ListProvidersResponse>(body, sse),
        58 => check::<ListResponse>(body, sse),
        59 => check::<ListScimGroupMappingsResponse>(body, sse),
        60 => check::<ListScimGroupsResponse>(body, sse),
        61 => check::<ListWorkspaceBudgetsResponse>(body, sse),
        62 => check::<ListWorkspaceMembersResponse>(body, sse),
        63 => check::<ListWorkspacesResponse>(body, sse),
        64 => check::<MessagesResult>(body, sse),
        65 => check::<ModelResponse>(body, sse),
        66 => check::<ModelsCountResponse>(body, sse),
        67 => check::<ModelsListResponse>(body, sse),
        68 => check::<OpenResponsesResult>(body, sse),
        69 => check::<QueryAnalyticsResponse>(body, sse),
        70 => check::<RankingsDailyResponse>(body, sse),
        71 => check::<STTResponse>(body, sse),
        72 => check::<SessionCostResponse>(body, sse),
        73 => check::<SubmitGenerationFeedbackResponse>(body, sse),
        74 => check::<TaskClassificationResponse>(body, sse),
        75 => check::<UnifiedBenchmarksResponse>(body, sse),
        76 => check::<UpdateBYOKKeyResponse>(body, sse),
        77 => check::<UpdateGuardrailResponse>(body, sse),
        78 => check::<UpdateKeysResponse>(body, sse),
        79 => check::<UpdateObservabilityDestinationResponse>(body, sse),
        80 => check::<UpdateScimGroupMappingResponse>(body, sse),
        81 => check::<UpdateWorkspaceResponse>(body, sse),
        82 => check::<UpsertWorkspaceBudgetResponse>(body, sse),
        83 => check::<VideoGenerationResponse>(body, sse),
        84 => check::<VideoModelsListResponse>(body, sse),
        85 => check::<ChatStreamChunk>(body, sse),
        86 => check::<ImageStreamingResponseData>(body, sse),
        87 => check::<MessagesStreamEvents>(body, sse),
        88 => check::<StreamEvents>(body, sse),
        _ => unreachable!(),
    }
});
