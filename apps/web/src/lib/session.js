// SPDX-License-Identifier: MIT
// Copyright (c) 2026 WavelaunchOS contributors
// Who is signed in, for every page.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export const Session = createContext({ user: null, setUser: () => {} });
export const useSession = () => useContext(Session);
export const isTeam = (user) => user && (user.role === 'admin' || user.role === 'staff');
export const isAdmin = (user) => user && user.role === 'admin';
