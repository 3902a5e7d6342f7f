import type { ContentSection } from "~/i18n/content";

export function ContentPage({
  title,
  intro,
  sections,
}: {
  title: string;
  intro: string;
  sections: ContentSection[];
}) {
  return (
    <div className="row">
      <div className="col-lg-8">
        <h1>{title}</h1>
        <p className="lead">{intro}</p>
        {sections.map((s) => (
          <section key={s.heading}>
            <h2 className="h4 mt-4">{s.heading}</h2>
            {s.paragraphs.map((p) => (
              <p key={p}>{p}</p>
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}
