/** Real-engine suite (test/engine): needs build-pulumi.sh and the providers' build scripts run first. */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    rootDir: "../..",
    roots: ["<rootDir>/test/engine"],
    testMatch: ["**/*.engine.test.ts"],
    testTimeout: 300000,
    maxWorkers: 1,
};
