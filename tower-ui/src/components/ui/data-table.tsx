import type { ReactNode } from 'react';

export interface DataTableProps<T> {
  /** Read by screen readers (the table's caption is visually hidden). */
  readonly caption: string;
  /** Header labels, in the order of the cells `row` renders. */
  readonly columns: readonly string[];
  /** Adds a last header for a row-actions cell (its label is for screen readers only). */
  readonly actions?: boolean;
  readonly items: readonly T[];
  readonly rowKey: (item: T) => string;
  readonly rowClassName?: (item: T) => string | undefined;
  /** The `<td>` cells of one row. */
  readonly row: (item: T) => ReactNode;
}

/** A list as a table that stacks into cards on narrow screens (cells carry `data-label`). */
export function DataTable<T>({
  caption,
  columns,
  actions,
  items,
  rowKey,
  rowClassName,
  row,
}: DataTableProps<T>) {
  return (
    <div className="table-wrap">
      <table className="table table--stack">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={rowKey(item)} className={rowClassName?.(item)}>
              {row(item)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
