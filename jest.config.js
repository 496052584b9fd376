/** Root test suite: the Pulumi program under mocks and the rendered monitoring config against real tools.
 * peer-monitor/ has its own package and jest config; test/e2e runs with `npm run test:e2e`. */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>/test", "<rootDir>/components", "<rootDir>/dashboards"],
    testPathIgnorePatterns: ["/node_modules/", "/peer-monitor/", "<rootDir>/test/e2e/", "<rootDir>/test/engine/"],
    testTimeout: 60000,
};
