import { describe, expect, it } from "vitest";
import { compileSchematron, runSchematron, SchematronError } from "~/server/modulo/schematron.server";

/** The evaluator on small schemas of our own, one ISO Schematron feature per test. */

const NS = `xmlns:sch="http://purl.oclc.org/dsdl/schematron"`;

function schema(files: Record<string, string>, main = "main.sch") {
  return compileSchematron({ main, read: (f) => files[f] });
}

const DOC = `<o:ordine xmlns:o="urn:test:ordine">
  <o:riga><o:qta>2</o:qta><o:prezzo>10</o:prezzo><o:codice>A</o:codice></o:riga>
  <o:riga><o:qta>0</o:qta><o:prezzo>5</o:prezzo><o:codice>Z</o:codice></o:riga>
</o:ordine>`;

describe("Schematron evaluator", () => {
  it("asserts fail with their id, message (value-of evaluated) and location; reports fire when true", () => {
    const s = schema({
      "main.sch": `<sch:schema ${NS} queryBinding="xslt2">
        <sch:ns prefix="o" uri="urn:test:ordine"/>
        <sch:pattern id="righe">
          <sch:rule id="r-riga" context="o:riga">
            <sch:assert id="qta-positiva" test="xs:integer(o:qta) gt 0">Quantità <sch:value-of select="o:qta"/> non valida per <sch:value-of select="o:codice"/></sch:assert>
            <sch:report id="prezzo-basso" test="xs:decimal(o:prezzo) lt 6">Prezzo basso (<sch:value-of select="o:prezzo"/>)</sch:report>
          </sch:rule>
        </sch:pattern>
      </sch:schema>`,
    });
    const r = runSchematron(s, DOC);
    expect(r).toEqual([
      {
        kind: "assert",
        patternId: "righe",
        ruleId: "r-riga",
        id: "qta-positiva",
        message: "Quantità 0 non valida per Z",
        location: "/o:ordine/o:riga[2]",
      },
      {
        kind: "report",
        patternId: "righe",
        ruleId: "r-riga",
        id: "prezzo-basso",
        message: "Prezzo basso (5)",
        location: "/o:ordine/o:riga[2]",
      },
    ]);
  });

  it("fires only the first rule of a pattern that matches a node (ISO 19757-3, 6.5)", () => {
    const s = schema({
      "main.sch": `<sch:schema ${NS}>
        <sch:ns prefix="o" uri="urn:test:ordine"/>
        <sch:pattern id="p">
          <sch:rule context="o:riga[o:codice = 'Z']"><sch:assert id="first" test="false()">prima</sch:assert></sch:rule>
          <sch:rule context="o:riga"><sch:assert id="second" test="false()">seconda</sch:assert></sch:rule>
        </sch:pattern>
      </sch:schema>`,
    });
    expect(runSchematron(s, DOC).map((f) => `${f.id}@${f.location}`)).toEqual([
      "first@/o:ordine/o:riga[2]",
      "second@/o:ordine/o:riga[1]",
    ]);
  });

  it("includes a pattern by #fragment and instantiates abstract patterns with is-a and params", () => {
    const s = schema({
      "main.sch": `<sch:schema ${NS}>
        <sch:ns prefix="o" uri="urn:test:ordine"/>
        <sch:include href="lib/comuni.sch#non-vuoto_ab"/>
        <sch:pattern id="codice" is-a="non-vuoto_ab"><sch:param name="nodo" value="o:riga"/><sch:param name="campo" value="o:codice"/></sch:pattern>
        <sch:pattern id="qta" is-a="non-vuoto_ab"><sch:param name="nodo" value="o:riga"/><sch:param name="campo" value="o:sconto"/></sch:pattern>
      </sch:schema>`,
      "lib/comuni.sch": `<sch:schema ${NS}>
        <sch:pattern id="non-vuoto_ab" abstract="true">
          <sch:rule context="$nodo"><sch:assert id="vuoto" test="normalize-space($campo) != ''">manca <sch:name path="$campo"/></sch:assert></sch:rule>
        </sch:pattern>
        <sch:pattern id="altro" abstract="true"><sch:rule context="/"><sch:assert test="false()">mai</sch:assert></sch:rule></sch:pattern>
      </sch:schema>`,
    });
    expect(s.files).toEqual(["main.sch", "lib/comuni.sch"]);
    const r = runSchematron(s, DOC);
    expect(r.map((f) => f.patternId)).toEqual(["qta", "qta"]);
    expect(r[0].id).toBe("vuoto");
  });

  it("binds lets in order (a later let and predicates see earlier ones) and resolves document() from the including file", () => {
    const s = schema(
      {
        "forms/main.sch": `<sch:schema ${NS}>
        <sch:ns prefix="o" uri="urn:test:ordine"/>
        <sch:let name="soglia" value="1"/>
        <sch:pattern id="codici">
          <sch:rule context="o:riga">
            <sch:let name="codici" value="document('../voc/codici.xml')//Row"/>
            <sch:let name="c" value="normalize-space(o:codice)"/>
            <sch:let name="trovati" value="count($codici[Value = $c])"/>
            <sch:assert id="codice-noto" test="$trovati = $soglia">Codice <sch:value-of select="$c"/> sconosciuto</sch:assert>
          </sch:rule>
        </sch:pattern>
      </sch:schema>`,
        "voc/codici.xml": "<List><Row><Value>A</Value></Row><Row><Value>B</Value></Row></List>",
      },
      "forms/main.sch",
    );
    expect(runSchematron(s, DOC).map((f) => f.message)).toEqual(["Codice Z sconosciuto"]);
  });

  it("runs the patterns of the chosen phase only, the default phase otherwise, all with #ALL", () => {
    const s = schema({
      "main.sch": `<sch:schema ${NS} defaultPhase="base">
        <sch:ns prefix="o" uri="urn:test:ordine"/>
        <sch:pattern id="a"><sch:rule context="o:ordine"><sch:assert id="a1" test="false()">a</sch:assert></sch:rule></sch:pattern>
        <sch:pattern id="b"><sch:rule context="o:ordine"><sch:assert id="b1" test="false()">b</sch:assert></sch:rule></sch:pattern>
        <sch:phase id="base"><sch:active pattern="a"/></sch:phase>
        <sch:phase id="completa"><sch:active pattern="a"/><sch:active pattern="b"/></sch:phase>
      </sch:schema>`,
    });
    expect(runSchematron(s, DOC).map((f) => f.id)).toEqual(["a1"]);
    expect(runSchematron(s, DOC, { phase: "completa" }).map((f) => f.id)).toEqual(["a1", "b1"]);
    expect(runSchematron(s, DOC, { phase: "#ALL" }).map((f) => f.id)).toEqual(["a1", "b1"]);
    expect(() => runSchematron(s, DOC, { phase: "nessuna" })).toThrow(SchematronError);
  });

  it("names the file and the pattern of an XPath error, and refuses an abstract pattern that does not exist", () => {
    const broken = schema({
      "main.sch": `<sch:schema ${NS}><sch:pattern id="rotto"><sch:rule context="/"><sch:assert test="count(">x</sch:assert></sch:rule></sch:pattern></sch:schema>`,
    });
    expect(() => runSchematron(broken, DOC)).toThrow(/main\.sch: pattern rotto/);
    expect(() =>
      schema({ "main.sch": `<sch:schema ${NS}><sch:pattern id="x" is-a="manca"/></sch:schema>` }),
    ).toThrow(/is-a="manca"/);
    expect(() =>
      schema({ "main.sch": `<sch:schema ${NS}><sch:include href="nessuno.sch"/></sch:schema>` }),
    ).toThrow(/nessuno\.sch/);
  });
});
