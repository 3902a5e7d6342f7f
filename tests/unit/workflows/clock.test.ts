import { describe, expect, it } from "vitest";
import {
  addAgencyTerm,
  addDays,
  agencyDueDate,
  type Calendar,
  ClockError,
  clockView,
  daysBetween,
  dueDate,
  easterSunday,
  integrationDueDate,
  interruptClock,
  isNonWorkingDay,
  isSuspended,
  italianHolidays,
  nextWorkingDay,
  noticeOfRefusal,
  observationsDueDate,
  observationsReceived,
  observationsTermExpired,
  resetClock,
  resumeClock,
  startClock,
  suspendForIntegration,
  tryClock,
} from "../../../workflows/clock";

const noPatron: Calendar = { patronDays: [] };
// Volterra's patron day (Santi Giusto e Clemente) is passed as data, "06-05": the clock knows no town.
const volterra: Calendar = { patronDays: ["06-05"] };

describe("calendar", () => {
  it("computes Easter Sunday with the Gregorian algorithm", () => {
    expect(easterSunday(2024)).toBe("2024-03-31");
    expect(easterSunday(2025)).toBe("2025-04-20");
    expect(easterSunday(2026)).toBe("2026-04-05");
    expect(easterSunday(2027)).toBe("2027-03-28");
    expect(easterSunday(2038)).toBe("2038-04-25"); // coincides with Liberation Day
  });

  it("lists the national holidays, with 4 October only from 2026 (L. 151/2025)", () => {
    expect(italianHolidays(2025)).toEqual([
      "2025-01-01",
      "2025-01-06",
      "2025-04-20",
      "2025-04-21",
      "2025-04-25",
      "2025-05-01",
      "2025-06-02",
      "2025-08-15",
      "2025-11-01",
      "2025-12-08",
      "2025-12-25",
      "2025-12-26",
    ]);
    expect(italianHolidays(2026)).toContain("2026-10-04");
    expect(italianHolidays(2027)).toContain("2027-10-04");
    expect(italianHolidays(2025)).not.toContain("2025-10-04");
    expect(italianHolidays(2026)).toHaveLength(13);
  });

  it("adds local patron days given as data", () => {
    expect(italianHolidays(2026, ["06-05"])).toContain("2026-06-05");
    expect(italianHolidays(2026)).not.toContain("2026-06-05");
  });

  it("treats Sunday and holidays as non-working, Saturday as working", () => {
    expect(isNonWorkingDay("2026-03-08", noPatron)).toBe(true); // Sunday
    expect(isNonWorkingDay("2026-03-07", noPatron)).toBe(false); // Saturday
    expect(isNonWorkingDay("2027-10-04", noPatron)).toBe(true); // Monday, San Francesco
    expect(isNonWorkingDay("2025-10-04", noPatron)).toBe(false); // Saturday, not yet a holiday
    expect(isNonWorkingDay("2026-06-05", volterra)).toBe(true);
    expect(isNonWorkingDay("2026-06-05", noPatron)).toBe(false);
    expect(isNonWorkingDay("2026-03-10", { patronDays: [], extraHolidays: ["2026-03-10"] })).toBe(true);
  });

  it("does date arithmetic in UTC across months, years and leap days", () => {
    expect(addDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addDays("2027-02-28", 1)).toBe("2027-03-01");
    expect(addDays("2025-12-31", 1)).toBe("2026-01-01");
    expect(daysBetween("2025-12-20", "2026-01-10")).toBe(21);
    expect(daysBetween("2026-03-29", "2026-03-30")).toBe(1); // DST change in Europe: still one day
    expect(nextWorkingDay("2026-12-25", noPatron)).toBe("2026-12-28");
  });
});

type Scenario = { name: string; due: () => string | null; expected: string };

/**
 * Legal scenarios. Each expected date was computed by hand (start + days, then off Sundays/holidays) and the
 * weekdays checked with `node -e` against Date.getUTCDay().
 */
const scenarios: Scenario[] = [
  {
    // 2026-03-07 + 30 = 2026-04-06, Easter Monday -> Tue 2026-04-07
    name: "term ending on Easter Monday 2026",
    due: () => dueDate(startClock("2026-03-07", 30), noPatron),
    expected: "2026-04-07",
  },
  {
    // 2026-03-06 + 30 = 2026-04-05, Easter Sunday -> Mon 04-06 is Easter Monday -> Tue 2026-04-07
    name: "term ending on Easter Sunday skips Easter Monday too",
    due: () => dueDate(startClock("2026-03-06", 30), noPatron),
    expected: "2026-04-07",
  },
  {
    // 2025-03-22 + 30 = 2025-04-21, Easter Monday 2025 -> Tue 2025-04-22
    name: "term ending on Easter Monday 2025",
    due: () => dueDate(startClock("2025-03-22", 30), noPatron),
    expected: "2025-04-22",
  },
  {
    // 2026-09-04 + 30 = 2026-10-04: Sunday and (from 2026) San Francesco -> Mon 2026-10-05
    name: "term ending on 4 October 2026 (holiday, also a Sunday)",
    due: () => dueDate(startClock("2026-09-04", 30), noPatron),
    expected: "2026-10-05",
  },
  {
    // 2025-09-04 + 30 = 2025-10-04: Saturday, and 4 October is not yet a holiday in 2025 -> stays
    name: "term ending on 4 October 2025 (not a holiday) stays",
    due: () => dueDate(startClock("2025-09-04", 30), noPatron),
    expected: "2025-10-04",
  },
  {
    // 2027-09-04 + 30 = 2027-10-04: a Monday, so only the new holiday moves it -> Tue 2027-10-05
    name: "term ending on Monday 4 October 2027 moves because of the holiday alone",
    due: () => dueDate(startClock("2027-09-04", 30), noPatron),
    expected: "2027-10-05",
  },
  {
    // 2026-03-02 + 60 = 2026-05-01 (Fri, Labour Day) -> Sat 2026-05-02, and Saturday is a working day
    name: "SCIA 60 days ending on 1 May moves to a Saturday, which stays",
    due: () => dueDate(startClock("2026-03-02", 60), noPatron),
    expected: "2026-05-02",
  },
  {
    // 2026-02-02 + 30 + 10 (10-bis without observations) = 2026-03-14, Saturday -> stays
    name: "term ending on a Saturday stays",
    due: () =>
      dueDate(
        observationsTermExpired(
          noticeOfRefusal(startClock("2026-02-02", 30), "2026-02-20", 10, 10),
          noPatron,
        ),
        noPatron,
      ),
    expected: "2026-03-14",
  },
  {
    // start 2025-12-01, 30 days; suspended 2025-12-20 .. 2026-01-10 = 21 days across New Year;
    // 2025-12-01 + 30 + 21 = 2026-01-21 (Wed)
    name: "integration suspension across New Year",
    due: () =>
      dueDate(
        resumeClock(suspendForIntegration(startClock("2025-12-01", 30), "2025-12-20", 30), "2026-01-10"),
        noPatron,
      ),
    expected: "2026-01-21",
  },
  {
    // notice 2026-02-20; observations on day 9 (2026-03-01); term resumes 10 days later, 2026-03-11:
    // suspension 19 days; 2026-02-02 + 30 + 19 = 2026-03-23 (Mon)
    name: "10-bis observations arriving on day 9",
    due: () =>
      dueDate(
        observationsReceived(
          noticeOfRefusal(startClock("2026-02-02", 30), "2026-02-20", 10, 10),
          "2026-03-01",
        ),
        noPatron,
      ),
    expected: "2026-03-23",
  },
  {
    // 2025-12-20 + 60 = 2026-02-18 (Wed)
    name: "SCIA filed on 20 December 2025",
    due: () => dueDate(startClock("2025-12-20", 60), noPatron),
    expected: "2026-02-18",
  },
  {
    // 2025-12-07 + 30 = 2026-01-06 (Tue, Epiphany) -> Wed 2026-01-07
    name: "term ending on Epiphany",
    due: () => dueDate(startClock("2025-12-07", 30), noPatron),
    expected: "2026-01-07",
  },
  {
    // 2026-05-06 + 30 = 2026-06-05 (Fri); with Volterra's patron day "06-05" -> Sat 2026-06-06
    name: "patron day of Volterra (06-05, passed as data)",
    due: () => dueDate(startClock("2026-05-06", 30), volterra),
    expected: "2026-06-06",
  },
  {
    // same as above without the patron day: Friday is a working day
    name: "same term in a Comune without that patron day",
    due: () => dueDate(startClock("2026-05-06", 30), noPatron),
    expected: "2026-06-05",
  },
  {
    // 2026-05-03 + 30 = 2026-06-02 (Tue, Festa della Repubblica) -> Wed 2026-06-03
    name: "term ending on 2 June",
    due: () => dueDate(startClock("2026-05-03", 30), noPatron),
    expected: "2026-06-03",
  },
  {
    // 2026-03-26 + 30 = 2026-04-25 (Sat, Liberation Day) -> Sun 26 -> Mon 2026-04-27
    name: "holiday falling on a Saturday moves the term",
    due: () => dueDate(startClock("2026-03-26", 30), noPatron),
    expected: "2026-04-27",
  },
  {
    // 2026-11-25 + 30 = 2026-12-25 (Fri) -> 26 (Sat, Santo Stefano) -> 27 (Sun) -> Mon 2026-12-28
    name: "Christmas, Santo Stefano and a Sunday in a row",
    due: () => dueDate(startClock("2026-11-25", 30), noPatron),
    expected: "2026-12-28",
  },
  {
    // 2026-07-16 + 30 = 2026-08-15 (Sat, Ferragosto) -> Sun -> Mon 2026-08-17; no August suspension
    name: "Ferragosto (no August suspension for administrative terms)",
    due: () => dueDate(startClock("2026-07-16", 30), noPatron),
    expected: "2026-08-17",
  },
  {
    // 2026-10-02 + 30 = 2026-11-01 (Sun, Ognissanti) -> Mon 2026-11-02
    name: "All Saints on a Sunday",
    due: () => dueDate(startClock("2026-10-02", 30), noPatron),
    expected: "2026-11-02",
  },
  {
    // 2026-11-08 + 30 = 2026-12-08 (Tue, Immacolata) -> Wed 2026-12-09
    name: "Immacolata",
    due: () => dueDate(startClock("2026-11-08", 30), noPatron),
    expected: "2026-12-09",
  },
  {
    // start 2026-01-12, 60 days; suspended 2026-01-22 with 45 days to answer (stop capped at 30);
    // answer 2026-03-05 (42 days later) counts 30: 2026-01-12 + 90 = 2026-04-12 (Sun) -> Mon 2026-04-13
    name: "integration suspension never counts more than 30 days",
    due: () =>
      dueDate(
        resumeClock(suspendForIntegration(startClock("2026-01-12", 60), "2026-01-22", 30, 45), "2026-03-05"),
        noPatron,
      ),
    expected: "2026-04-13",
  },
  {
    // SCIA filed 2026-03-02; conformation ordered 2026-04-01 interrupts; measures on 2026-05-04 restart
    // the 60 days in full: 2026-05-04 + 60 = 2026-07-03 (Fri)
    name: "SCIA conformation restarts the 60-day term in full",
    due: () =>
      dueDate(
        resetClock(interruptClock(startClock("2026-03-02", 60), "2026-04-01"), "2026-05-04", 60),
        noPatron,
      ),
    expected: "2026-07-03",
  },
  {
    // SCIA unica 2026-03-02: final raw 2026-05-01; agency forwarded the same day with 60 days. Cap =
    // 05-01 - 5 = 04-26 (Sun) -> back to 04-25 (Sat, Liberation Day) -> back to Fri 2026-04-24
    name: "SCIA unica agency deadline at least 5 days before the term, moved back off holidays",
    due: () =>
      agencyDueDate(addAgencyTerm(startClock("2026-03-02", 60), "asl", "2026-03-02", 60, 5), "asl", noPatron),
    expected: "2026-04-24",
  },
  {
    // integration requested 2026-04-10 with 15 days: 2026-04-25 (Sat, holiday) -> Sun -> Mon 2026-04-27
    name: "integration answer due on Liberation Day",
    due: () =>
      integrationDueDate(suspendForIntegration(startClock("2026-03-02", 60), "2026-04-10", 15), noPatron),
    expected: "2026-04-27",
  },
  {
    // filed on Sunday 2026-03-01: the start is not moved; + 30 = 2026-03-31 (Tue)
    name: "filing on a Sunday: the start date is not moved",
    due: () => dueDate(startClock("2026-03-01", 30), noPatron),
    expected: "2026-03-31",
  },
  {
    // leap year: 2028-02-01 + 30 = 2028-03-02 (Thu)
    name: "leap year February",
    due: () => dueDate(startClock("2028-02-01", 30), noPatron),
    expected: "2028-03-02",
  },
  {
    // 10-bis notice 2026-02-20: observations due 2026-03-02 (Mon)
    name: "10-bis observation window",
    due: () =>
      observationsDueDate(noticeOfRefusal(startClock("2026-02-02", 30), "2026-02-20", 10, 10), noPatron),
    expected: "2026-03-02",
  },
];

describe("legal scenarios (dates computed by hand)", () => {
  it("has at least 20 scenarios", () => expect(scenarios.length).toBeGreaterThanOrEqual(20));
  it.each(scenarios)("$name -> $expected", ({ due, expected }) => {
    expect(due()).toBe(expected);
  });
});

describe("clock operations", () => {
  it("allows only one integration suspension per procedure, even after a reset", () => {
    const c = resumeClock(
      suspendForIntegration(startClock("2026-03-02", 30), "2026-03-10", 20),
      "2026-03-15",
    );
    expect(() => suspendForIntegration(c, "2026-03-20", 10)).toThrowError(ClockError);
    const r = tryClock(() => suspendForIntegration(c, "2026-03-20", 10));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("integration_suspension_used");
      expect(r.error.messageIt).toMatch(/una sola volta/);
    }
    const reset = resetClock(c, "2026-03-20", 30);
    expect(tryClock(() => suspendForIntegration(reset, "2026-03-25", 10)).ok).toBe(false);
  });

  it("refuses a suspension longer than 30 days", () => {
    const r = tryClock(() => suspendForIntegration(startClock("2026-03-02", 30), "2026-03-03", 31));
    expect(r.ok ? "ok" : r.error.code).toBe("suspension_too_long");
  });

  it("resumes with the days left, not a new term", () => {
    // 30-day term from 03-02; 8 days run (to 03-10); stop 5 days; due = 03-02 + 30 + 5 = 04-06 (Easter Monday) -> 04-07
    const c = resumeClock(
      suspendForIntegration(startClock("2026-03-02", 30), "2026-03-10", 30),
      "2026-03-15",
    );
    expect(c.suspendedDays).toBe(5);
    expect(dueDate(c, noPatron)).toBe("2026-04-07");
    expect(c.periods).toEqual([{ kind: "integration", from: "2026-03-10", to: "2026-03-15", days: 5 }]);
  });

  it("shows the latest possible due date while suspended", () => {
    const c = suspendForIntegration(startClock("2026-03-02", 30), "2026-03-10", 20);
    // 03-02 + 30 + 20 = 04-21 (Tue)
    expect(dueDate(c, noPatron)).toBe("2026-04-21");
    const v = clockView(c, noPatron, "2026-03-12");
    expect(v.suspended).toBe(true);
    expect(v.finalDueProvisional).toBe(true);
    expect(v.integrationDue).toBe("2026-03-30");
  });

  it("keeps the term suspended until 10 days after the observations", () => {
    const c = observationsReceived(
      noticeOfRefusal(startClock("2026-02-02", 30), "2026-02-20", 10, 10),
      "2026-03-01",
    );
    expect(c.suspension).toBeNull();
    expect(isSuspended(c, "2026-03-05")).toBe(true);
    expect(isSuspended(c, "2026-03-11")).toBe(false);
    // the notice does not use up the art. 2 c.7 suspension
    expect(tryClock(() => suspendForIntegration(c, "2026-03-12", 10)).ok).toBe(true);
  });

  it("has no due date while interrupted and refuses suspending it", () => {
    const c = interruptClock(startClock("2026-03-02", 60), "2026-04-01");
    expect(dueDate(c, noPatron)).toBeNull();
    expect(tryClock(() => suspendForIntegration(c, "2026-04-02", 10)).ok).toBe(false);
  });

  it("refuses dates before the start", () => {
    const r = tryClock(() => suspendForIntegration(startClock("2026-03-02", 30), "2026-03-01", 10));
    expect(r.ok ? "ok" : r.error.code).toBe("date_before_start");
  });

  it("gives days left and overdue at a given today", () => {
    const c = startClock("2026-03-02", 30); // due 2026-04-01 (Wed)
    expect(clockView(c, noPatron, "2026-03-30")).toMatchObject({
      finalDue: "2026-04-01",
      daysLeft: 2,
      overdue: false,
    });
    expect(clockView(c, noPatron, "2026-04-03")).toMatchObject({ daysLeft: -2, overdue: true });
  });

  it("suspends agency terms together with the procedure", () => {
    let c = addAgencyTerm(startClock("2026-03-02", 60), "vvf", "2026-03-05", 30);
    expect(agencyDueDate(c, "vvf", noPatron)).toBe("2026-04-04"); // 03-05 + 30 = 04-04 (Sat)
    c = resumeClock(suspendForIntegration(c, "2026-03-10", 30), "2026-03-20");
    expect(agencyDueDate(c, "vvf", noPatron)).toBe("2026-04-14"); // + 10 days = 04-14 (Tue)
  });
});
