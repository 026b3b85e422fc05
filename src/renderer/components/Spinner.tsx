/** Props of {@link Loading}. */
export interface LoadingProps {
  /** What is being loaded, said to screen readers and shown next to the spinner. */
  label: string;
}

/** A spinner with its words, for a region whose data is on its way. */
export function Loading({ label }: LoadingProps) {
  return (
    <div className="loading" role="status" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}
