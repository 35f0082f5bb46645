// The CDK entry point (cdk.json runs it): builds the app with its cdk-nag checks and synthesizes it.
import { buildApp } from "./stack";

buildApp().app.synth();
