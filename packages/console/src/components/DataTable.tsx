import { For, Show, type JSX } from 'solid-js';

/** One column of a {@link DataTable}: how to render its cell for a row, and an optional footer. */
export interface Column<T> {
  /** Stable id, rendered as `data-column` on every cell so tests find a cell by meaning. */
  id: string;
  header: string;
  cell: (row: T) => JSX.Element;
  /** Numbers align right so digits line up. */
  align?: 'start' | 'end';
  /** Totals row content; the footer row is rendered when any column has one. */
  footer?: JSX.Element;
}

/** Props of {@link DataTable}; plain data in, no GraphQL. */
export interface DataTableProps<T> {
  caption: string;
  columns: readonly Column<T>[];
  rows: readonly T[];
  /** Shown in place of rows when there are none. */
  emptyText: string;
  rowTestId?: (row: T) => string;
  /** A class per row, e.g. to highlight failures. */
  rowClass?: (row: T) => string | undefined;
  testId?: string;
}

/** A plain semantic table: caption, header row, body rows, optional totals row. */
export function DataTable<T>(props: DataTableProps<T>): JSX.Element {
  const hasFooter = () => props.columns.some((column) => column.footer !== undefined);
  return (
    <div class="table-scroll">
      <table class="data-table" data-testid={props.testId}>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <For each={props.columns}>
              {(column) => (
                <th scope="col" class={alignClass(column)}>
                  {column.header}
                </th>
              )}
            </For>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.rows}
            fallback={
              <tr>
                <td class="empty" colSpan={props.columns.length}>
                  {props.emptyText}
                </td>
              </tr>
            }
          >
            {(row) => (
              <tr data-testid={props.rowTestId?.(row)} class={props.rowClass?.(row)}>
                <For each={props.columns}>
                  {(column) => (
                    <td class={alignClass(column)} data-column={column.id}>
                      {column.cell(row)}
                    </td>
                  )}
                </For>
              </tr>
            )}
          </For>
        </tbody>
        <Show when={hasFooter() && props.rows.length > 0}>
          <tfoot>
            <tr>
              <For each={props.columns}>
                {(column) => (
                  <td class={alignClass(column)} data-column={column.id}>
                    {column.footer}
                  </td>
                )}
              </For>
            </tr>
          </tfoot>
        </Show>
      </table>
    </div>
  );
}

function alignClass(column: { align?: 'start' | 'end' }): string | undefined {
  return column.align === 'end' ? 'num' : undefined;
}
