// Renderer entry: theme and language before the first paint, then the app.
import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { i18n } from './lib/i18n/i18n.svelte';
import { applyTheme, cachedTheme } from './lib/state/app-state.svelte';

applyTheme(cachedTheme());
document.documentElement.lang = i18n.lang;
mount(App, { target: document.getElementById('app')! });
