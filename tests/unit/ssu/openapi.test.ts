import { describe, expect, it } from "vitest";
import {
  checkRequest,
  checkResponse,
  SSU_SERVICES,
  serviceSpec,
} from "~/server/integrations/ssu/openapi.server";
import { parseRange } from "~/server/integrations/ssu/range.server";

const cui = {
  context: "SUAP-AVC",
  data: "2026-03-02",
  progressive: "000001",
  progressivo: "000001",
  uuid: "u",
};

describe("the SSU e-services' official OpenAPI as validators", () => {
  it("loads every operation of the four e-services, defects handled", () => {
    const ops = Object.fromEntries(
      SSU_SERVICES.map((s) => [s, [...serviceSpec(s).operations.keys()].sort()]),
    );
    expect(ops).toEqual({
      bo_to_fo: ["cancel_instance", "document", "notify_receipt", "retry", "send_instance"],
      fo_to_bo: ["document", "notify", "request_correction", "request_integration", "retry"],
      bo_to_et: ["document", "request_cdss", "request_integration", "retry", "send_conclusions"],
      et_to_bo: ["document", "notify", "retry", "send_instance"],
    });
  });

  it("tells a conformant message from a broken one, through the discriminated unions", () => {
    expect(
      checkRequest("fo_to_bo", "notify", {
        cui,
        instance_descriptor_version: "1",
        event: "end_by_positive_outcome",
      }),
    ).toEqual([]);
    expect(
      checkRequest("fo_to_bo", "notify", { cui, instance_descriptor_version: "1", event: "altro" }),
    ).not.toEqual([]);
    const admin = { ipacode: "a", officecode: "b", version: "01.00.00", description: "d" };
    const base = { cui, instance_descriptor_version: "1", requester_administration: admin };
    expect(
      checkRequest("bo_to_et", "send_conclusions", {
        ...base,
        conclusions_type: "positive_outcome",
        positive_outcome: "ok",
      }),
    ).toEqual([]);
    expect(
      checkRequest("bo_to_et", "send_conclusions", { ...base, conclusions_type: "positive_outcome" }),
    ).not.toEqual([]);
    expect(
      checkRequest("bo_to_et", "retry", { cui, operation: "notify", requester_administration: admin }),
    ).toEqual([]);
    expect(checkRequest("bo_to_fo", "send_instance", undefined)).toEqual([
      "il corpo della richiesta è obbligatorio",
    ]);
    expect(checkResponse("bo_to_fo", "document", 200, "aGVsbG8=")).toEqual([]);
    expect(checkResponse("bo_to_fo", "document", 200, "%%%")).not.toEqual([]);
    expect(checkResponse("bo_to_fo", "send_instance", 404, undefined)).not.toEqual([]);
    expect(checkResponse("bo_to_fo", "send_instance", 400, { code: "ERROR_400_001", message: "x" })).toEqual(
      [],
    );
  });
});

describe("single-part ranges (RFC 9110)", () => {
  it("accepts et_to_bo's conferenza notice (CdssNotifyMessage, its allOf defect handled) and nothing looser", () => {
    const base = { cui, instance_descriptor_version: "1" };
    const cdss = {
      ...base,
      event: "cdss_convened",
      cdss_channel: "telematica",
      cdss_convocation: "2026-03-10",
    };
    expect(checkRequest("et_to_bo", "notify", cdss)).toEqual([]);
    // the conferenza's fields are required with its event, and its date is a date
    expect(checkRequest("et_to_bo", "notify", { ...base, event: "cdss_convened" })).not.toEqual([]);
    expect(checkRequest("et_to_bo", "notify", { ...cdss, cdss_convocation: "domani" })).not.toEqual([]);
    // NotifyMessage's own events still pass, an event of no branch still fails
    expect(
      checkRequest("et_to_bo", "notify", { ...base, event: "end_by_submitter_cancel_requested" }),
    ).toEqual([]);
    expect(checkRequest("et_to_bo", "notify", { ...base, event: "end_by_anything" })).not.toEqual([]);
    // the front office's notify has cdss_convened in its own enum, nothing more required
    expect(checkRequest("fo_to_bo", "notify", { ...base, event: "cdss_convened" })).toEqual([]);
    // the agency's request for a synchronous conferenza
    const admin = { ipacode: "ASL-TNO", officecode: "ASL-TNO", version: "01.00.00", description: "ASL" };
    expect(checkRequest("bo_to_et", "request_cdss", { cui, requester_administration: admin })).toEqual([]);
    expect(checkRequest("bo_to_et", "request_cdss", { cui })).not.toEqual([]);
  });

  it("reads a-b, a-, -n and refuses what cannot be satisfied", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=50-500", 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange("bytes=100-", 100)).toBeNull();
    expect(parseRange("bytes=9-3", 100)).toBeNull();
    expect(parseRange("bytes=0-1,4-5", 100)).toBeNull();
    expect(parseRange("items=0-1", 100)).toBeNull();
    expect(parseRange("bytes=-0", 100)).toBeNull();
  });
});
