import { describe, expect, it } from "vitest";
import {
  addIsoDays,
  daysFrom,
  decodeCursor,
  encodeCursor,
  likeEscape,
  parseWorklistQuery,
  worklistHref,
} from "~/domain/desk/worklist-query";

const ID = "0b6f3c1e-8a4d-4f7e-9d3c-2a1b0c9d8e7f";

describe("worklist query", () => {
  it("defaults to open pratiche, any assignee, 7 days for 'due soon'", () => {
    const { filters, cursor } = parseWorklistQuery(new URLSearchParams(""));
    expect(filters).toEqual({
      comune: null,
      procedure: "",
      regime: "",
      status: "open",
      assignee: "",
      due: "",
      within: 7,
      q: "",
    });
    expect(cursor).toBeNull();
  });

  it("keeps valid filters and drops tampered ones", () => {
    const { filters } = parseWorklistQuery(
      new URLSearchParams(
        "comune=12&regime=scia&status=in_review&assignee=me&due=soon&within=14&q=%20Rossi%20",
      ),
    );
    expect(filters).toMatchObject({
      comune: 12,
      regime: "scia",
      status: "in_review",
      assignee: "me",
      due: "soon",
      within: 14,
      q: "Rossi",
    });
    const bad = parseWorklistQuery(
      new URLSearchParams("comune=-1&regime=DROP TABLE&status=x'y&assignee=bob&due=never&within=9999"),
    );
    expect(bad.filters).toMatchObject({
      comune: null,
      regime: "",
      status: "open",
      assignee: "",
      due: "",
      within: 7,
    });
  });

  it("round-trips the keyset cursor, including a null due date, and rejects garbage", () => {
    expect(decodeCursor(encodeCursor({ due: "2026-05-02", id: ID }))).toEqual({ due: "2026-05-02", id: ID });
    expect(decodeCursor(encodeCursor({ due: null, id: ID }))).toEqual({ due: null, id: ID });
    expect(decodeCursor("not-a-cursor")).toBeNull();
    expect(decodeCursor(Buffer.from("2026-13-xx|nope").toString("base64url"))).toBeNull();
  });

  it("links keep the filters and the next page", () => {
    const { filters } = parseWorklistQuery(new URLSearchParams("q=Rossi&due=overdue"));
    expect(worklistHref(filters, { after: "abc" })).toBe("/scrivania?due=overdue&q=Rossi&after=abc");
    expect(worklistHref(parseWorklistQuery(new URLSearchParams("")).filters)).toBe("/scrivania");
  });

  it("escapes LIKE wildcards and counts calendar days", () => {
    expect(likeEscape("50%_a\\b")).toBe("50\\%\\_a\\\\b");
    expect(daysFrom("2026-03-01", "2026-03-31")).toBe(30);
    expect(daysFrom("2026-03-31", "2026-03-01")).toBe(-30);
    expect(addIsoDays("2026-02-27", 2)).toBe("2026-03-01");
  });
});
