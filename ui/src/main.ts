import { mount } from "svelte";
import "./app.css";
import Team from "./team/Team.svelte";

// One front end, a page set per role: the team window is the only one yet.
mount(Team, { target: document.getElementById("app")! });
