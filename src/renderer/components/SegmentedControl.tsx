import * as ToggleGroup from '@radix-ui/react-toggle-group';

/** One option of {@link SegmentedControl}. */
export interface Segment<V extends string> {
  value: V;
  label: string;
  count?: number;
}

/** Props of {@link SegmentedControl}. */
export interface SegmentedControlProps<V extends string> {
  label: string;
  value: V;
  onChange: (value: V) => void;
  segments: Segment<V>[];
}

/** A single-choice row of toggles (Radix ToggleGroup: arrow keys move, aria-pressed/checked). */
export function SegmentedControl<V extends string>({ label, value, onChange, segments }: SegmentedControlProps<V>) {
  return (
    <ToggleGroup.Root
      type="single"
      className="segmented"
      aria-label={label}
      value={value}
      onValueChange={(next) => next && onChange(next as V)}
    >
      {segments.map((s) => (
        <ToggleGroup.Item key={s.value} value={s.value} className="segment">
          {s.label}
          {s.count !== undefined && <span className="segment-count">{s.count}</span>}
        </ToggleGroup.Item>
      ))}
    </ToggleGroup.Root>
  );
}
