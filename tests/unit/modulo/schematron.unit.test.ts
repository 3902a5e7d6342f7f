import { describe, expect, it } from "vitest";
import { activePatterns, compileSchematron, validateSchematron } from "~/server/modulo/schematron.server";

// One small schema per ISO Schematron feature the AgID files use, evaluated by the project's engine.

const SCH = 'xmlns:sch="http://purl.oclc.org/dsdl/schematron" queryBinding="xslt2"';
const files = (map: Record<string, string>) => (rel: string) => map[rel] ?? null;
const compile = (map: Record<string, string>, entry = "main.sch") =>
  compileSchematron(entry, { load: files(map) });

const DOC = `<o:order xmlns:o="urn:o">
  <o:line qty="2" price="10"/>
  <o:line qty="0" price="5"/>
  <o:country>IT</o:country>
  <o:issued>2026-01-10</o:issued><o:expires>2025-01-10</o:expires>
</o:order>`;

describe("Schematron engine", () => {
  it("assert fails with its message, value-of and name evaluated in the rule's context", () => {
    const s = compile({
      "main.sch": `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/>
        <sch:pattern id="p"><sch:rule id="r" context="o:line">
          <sch:assert id="qty" test="@qty &gt; 0">La riga <sch:name/> ha quantità <sch:value-of select="@qty"/></sch:assert>
        </sch:rule></sch:pattern></sch:schema>`,
    });
    const r = validateSchematron(s, DOC);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({
      id: "qty",
      patternId: "p",
      ruleId: "r",
      message: "La riga o:line ha quantità 0",
    });
    expect(r.failures[0]!.location).toBe("/o:order[1]/o:line[2]");
  });

  it("report fires when its test is true (and only then)", () => {
    const s = compile({
      "main.sch": `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/>
        <sch:pattern id="p"><sch:rule context="o:line">
          <sch:report id="cheap" test="@price &lt; 6">Prezzo basso</sch:report>
        </sch:rule></sch:pattern></sch:schema>`,
    });
    const r = validateSchematron(s, DOC);
    expect(r.failures).toEqual([]);
    expect(r.reports.map((x) => x.location)).toEqual(["/o:order[1]/o:line[2]"]);
  });

  it("gives a node to the first matching rule of a pattern only", () => {
    const s = compile({
      "main.sch": `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/>
        <sch:pattern id="p">
          <sch:rule id="first" context="o:line[@qty = 0]"><sch:assert id="a1" test="false()">primo</sch:assert></sch:rule>
          <sch:rule id="second" context="o:line"><sch:assert id="a2" test="false()">secondo</sch:assert></sch:rule>
        </sch:pattern>
        <sch:pattern id="q"><sch:rule id="other" context="o:line"><sch:assert id="a3" test="false()">altro pattern</sch:assert></sch:rule></sch:pattern>
      </sch:schema>`,
    });
    const r = validateSchematron(s, DOC);
    const inP = r.failures.filter((f) => f.patternId === "p").map((f) => `${f.ruleId}:${f.location}`);
    expect(inP).toEqual(["first:/o:order[1]/o:line[2]", "second:/o:order[1]/o:line[1]"]);
    // another pattern sees every node again
    expect(r.failures.filter((f) => f.patternId === "q")).toHaveLength(2);
  });

  it("lets at schema, pattern and rule level keep their XDM types", () => {
    const s = compile({
      "main.sch": `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/>
        <sch:let name="limit" value="count(//o:line)"/>
        <sch:pattern id="p"><sch:let name="min" value="1"/>
          <sch:rule context="o:order">
            <sch:let name="issued" value="xs:date(o:issued)"/><sch:let name="expires" value="xs:date(o:expires)"/>
            <sch:assert id="dates" test="$expires &gt;= $issued">Scadenza <sch:value-of select="$expires"/> prima del rilascio</sch:assert>
            <sch:assert id="count" test="$limit = 2 and $min = 1">conteggio</sch:assert>
          </sch:rule></sch:pattern></sch:schema>`,
    });
    const schema = { ...s, namespaces: { ...s.namespaces, xs: "http://www.w3.org/2001/XMLSchema" } };
    const r = validateSchematron(schema, DOC);
    expect(r.failures.map((f) => f.id)).toEqual(["dates"]);
    expect(r.failures[0]!.message).toBe("Scadenza 2025-01-10 prima del rilascio");
  });

  it("instantiates abstract patterns with is-a and params (the AgID way)", () => {
    const s = compile({
      "main.sch": `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/>
        <sch:pattern id="positive_ab" abstract="true">
          <sch:rule context="$node"><sch:assert id="pos" test="number($attr) &gt; 0">non positivo</sch:assert></sch:rule>
        </sch:pattern>
        <sch:pattern id="qty" is-a="positive_ab"><sch:param name="node" value="o:line"/><sch:param name="attr" value="@qty"/></sch:pattern>
        <sch:pattern id="price" is-a="positive_ab"><sch:param name="node" value="o:line"/><sch:param name="attr" value="@price"/></sch:pattern>
      </sch:schema>`,
    });
    expect(s.patterns.map((p) => p.id)).toEqual(["qty", "price"]);
    const r = validateSchematron(s, DOC);
    expect(r.failures.map((f) => `${f.patternId}:${f.location}`)).toEqual(["qty:/o:order[1]/o:line[2]"]);
  });

  it("includes an element of another file by #fragment, relative to the including file", () => {
    const s = compile(
      {
        "forms/main.sch": `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/>
        <sch:include href="../entities/lines.sch#lines_ab"/>
        <sch:pattern id="lines" is-a="lines_ab"><sch:param name="n" value="o:line"/></sch:pattern></sch:schema>`,
        "entities/lines.sch": `<sch:schema ${SCH}>
        <sch:pattern id="lines_ab" abstract="true"><sch:rule context="$n"><sch:assert id="inc" test="@qty != 0">zero</sch:assert></sch:rule></sch:pattern>
        <sch:pattern id="not_included"><sch:rule context="/"><sch:assert test="false()">non deve esserci</sch:assert></sch:rule></sch:pattern>
      </sch:schema>`,
      },
      "forms/main.sch",
    );
    const r = validateSchematron(s, DOC);
    expect(r.failures.map((f) => f.id)).toEqual(["inc"]);
    expect(() =>
      compile({
        "main.sch": `<sch:schema ${SCH}><sch:include href="x.sch#nope"/></sch:schema>`,
        "x.sch": `<sch:schema ${SCH}/>`,
      }),
    ).toThrow(/nope/);
  });

  it("abstract rules are reused with sch:extends", () => {
    const s = compile({
      "main.sch": `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/><sch:pattern id="p">
        <sch:rule id="base" abstract="true"><sch:assert id="ext" test="@qty != 0">zero</sch:assert></sch:rule>
        <sch:rule context="o:line"><sch:extends rule="base"/></sch:rule>
      </sch:pattern></sch:schema>`,
    });
    expect(validateSchematron(s, DOC).failures.map((f) => f.id)).toEqual(["ext"]);
  });

  it("runs only the patterns of the requested phases; #ALL or none runs all; an unknown phase is an error", () => {
    const s = compile({
      "main.sch": `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/>
        <sch:pattern id="a"><sch:rule context="o:order"><sch:assert id="fa" test="false()">a</sch:assert></sch:rule></sch:pattern>
        <sch:pattern id="b"><sch:rule context="o:order"><sch:assert id="fb" test="false()">b</sch:assert></sch:rule></sch:pattern>
        <sch:phase id="only_a"><sch:active pattern="a"/></sch:phase>
        <sch:phase id="only_b"><sch:active pattern="b"/></sch:phase>
      </sch:schema>`,
    });
    expect(validateSchematron(s, DOC, ["only_a"]).failures.map((f) => f.id)).toEqual(["fa"]);
    expect(validateSchematron(s, DOC, ["only_b"]).failures.map((f) => f.id)).toEqual(["fb"]);
    expect(validateSchematron(s, DOC, ["only_a", "only_b"]).failures).toHaveLength(2);
    expect(activePatterns(s, ["#ALL"])).toEqual(["a", "b"]);
    expect(activePatterns(s)).toEqual(["a", "b"]);
    expect(() => validateSchematron(s, DOC, ["nessuna"])).toThrow(/fase sconosciuta/);
  });

  it("reads code lists with document(), and marks a check unchecked when its code list is missing", () => {
    const codelist = `<CodeList><Row><Value ColumnRef="code"><SimpleValue>IT</SimpleValue></Value></Row></CodeList>`;
    const sch = (vocab: string) => `<sch:schema ${SCH}><sch:ns prefix="o" uri="urn:o"/><sch:pattern id="p">
        <sch:rule context="o:country">
          <sch:let name="keys" value="document('voc/${vocab}')//Row"/>
          <sch:let name="code" value="normalize-space(.)"/>
          <sch:assert id="known" test="count($keys[Value[@ColumnRef='code']/SimpleValue = $code]) = 1">Paese sconosciuto</sch:assert>
          <sch:assert id="short" test="string-length(.) = 2">lungo</sch:assert>
        </sch:rule></sch:pattern></sch:schema>`;
    const withList = compile({ "main.sch": sch("countries.xml"), "voc/countries.xml": codelist });
    expect(validateSchematron(withList, DOC).failures).toEqual([]);
    expect(validateSchematron(withList, DOC.replace(">IT<", ">XX<")).failures.map((f) => f.id)).toEqual([
      "known",
    ]);

    const without = compile({ "main.sch": sch("absent.xml") });
    const r = validateSchematron(without, DOC.replace(">IT<", ">XX<"));
    expect(r.failures).toEqual([]);
    expect(r.unchecked).toEqual([{ id: "known", patternId: "p", vocabularies: ["voc/absent.xml"] }]);
    // the check that does not need the list still runs
    expect(validateSchematron(without, DOC.replace(">IT<", ">ITA<")).failures.map((f) => f.id)).toEqual([
      "short",
    ]);
  });
});
