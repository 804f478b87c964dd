// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// htm bound to Preact's h: templates without a JSX build step.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
