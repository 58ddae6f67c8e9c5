// The engine scenarios (scenarios.mjs) in Firefox ESR, over WebDriver BiDi (firefox.mjs).
import * as firefox from "./firefox.mjs";
import { engineTests } from "./scenarios.mjs";

engineTests(firefox);
