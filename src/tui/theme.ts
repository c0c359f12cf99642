/**
 * Colours of the TUIs, on or off: `--color=auto|always|never` and NO_COLOR (https://no-color.org) decide, once,
 * in the CLI; the apps get a `color` flag and components take their colours from `useTheme()`. Without colour
 * the screens keep what is not colour — inverse (the selection), bold, dim — so every cue stays readable.
 */
import { createContext, useContext } from 'react';

export interface Theme {
  readonly color: boolean;
  /** the colour name when colours are on, else undefined (Ink then emits no colour code) */
  c(name: string | undefined): string | undefined;
}

export function makeTheme(color: boolean): Theme {
  return { color, c: (name) => (color ? name : undefined) };
}

export const ThemeContext = createContext<Theme>(makeTheme(true));

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

/** Colour unless NO_COLOR is set to a non-empty value (what a run function assumes when the CLI says nothing). */
export function colorFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return !env.NO_COLOR;
}
