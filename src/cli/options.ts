/** Commander reducer for repeatable options (`--san a --san b` -> ['a', 'b']). */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];
