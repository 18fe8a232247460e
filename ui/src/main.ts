import { getCurrentWindow } from "@tauri-apps/api/window";
import { mount } from "svelte";
import "./app.css";
import Console from "./jury/Console.svelte";
import Team from "./team/Team.svelte";

// One front end, a page set per role: the window's label says which (the
// app labels the console's window "console" and the team's "team").
const label = getCurrentWindow().label;
mount(label === "console" ? Console : Team, { target: document.getElementById("app")! });
