/** A bootstrap-italia sprite icon, served locally. Always decorative: the text next to it carries meaning. */
export function Icon({ name, className = "icon icon-sm" }: { name: string; className?: string }) {
  return (
    <svg className={className} aria-hidden="true" focusable="false">
      <use href={`/vendor/bootstrap-italia/svg/sprites.svg#${name}`} />
    </svg>
  );
}
