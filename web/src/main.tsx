// The console's entry: draws the shell into #root.
import { render } from 'preact';
import { App } from './app.tsx';

render(<App />, document.getElementById('root')!);
