import type { ReactNode } from 'react';

/** A top-level admin page: a section named by its `<h1>`. */
export function Page({
  titleId,
  title,
  children,
}: {
  /** Id of the heading, for `aria-labelledby`. */
  readonly titleId: string;
  readonly title: string;
  readonly children: ReactNode;
}) {
  return (
    <section aria-labelledby={titleId} className="page">
      <div className="page__header">
        <h1 id={titleId}>{title}</h1>
      </div>
      {children}
    </section>
  );
}
