/** Strings of sign-in, sessions, accounts, SPID/CIE and business linking. Every key in `it` must exist in `en`. */
export const it = {
  "register.error.nameLong": "Il nome può avere al massimo 100 caratteri: scrivi solo nome e cognome",
  "register.error.nameCharacters":
    "Il nome contiene caratteri non ammessi (a capo, tabulazioni o caratteri invisibili): scrivilo di nuovo a mano",
  "register.error.passwordEmail":
    "La password non può contenere il tuo indirizzo email: scegline una diversa",
  "register.error.passwordDemo":
    "Questa password è pubblica (è quella degli account dimostrativi): scegline una tua",
  "register.error.passwordRepeated":
    "La password è troppo semplice (lo stesso carattere o la stessa sequenza ripetuti): usa una frase con parole diverse",
  "register.sent.title": "Controlla la tua posta",
  "register.sent.text":
    "Abbiamo inviato un messaggio all'indirizzo che hai indicato: contiene le istruzioni per accedere. Se non lo trovi, controlla la cartella della posta indesiderata.",
  "register.oidc":
    "Le imprese, i professionisti e le associazioni accedono con SPID o CIE: il primo accesso crea l'account, senza registrazione.",
  "business.link.title": "Aggiungi un'impresa",
  "business.link.lead":
    "Indica i dati dell'impresa per cui presenti le pratiche, come risultano dal Registro delle imprese.",
  "business.link.action": "Aggiungi un'impresa",
  "business.link.submit": "Aggiungi l'impresa",
  "business.link.taken":
    "Un'impresa con questo codice fiscale è già registrata sul portale: chiedi al suo legale rappresentante di aggiungerti, oppure scrivi al SUAP",
  "business.link.added": "Impresa aggiunta.",
  "business.member.title": "Chi può agire per l'impresa",
  "business.member.rep": "legale rappresentante",
  "business.member.member": "persona aggiunta dal legale rappresentante",
  "business.member.fiscalCode": "Codice fiscale della persona da aggiungere",
  "business.member.hint": "16 caratteri. La persona deve aver già effettuato l'accesso con SPID o CIE.",
  "business.member.submit": "Aggiungi la persona",
  "business.member.added": "Persona aggiunta: ora può presentare pratiche per l'impresa.",
  "oidc.error.title": "Accesso non riuscito",
  "oidc.error.retry": "Torna alla pagina di accesso",
  "oidc.error.state":
    "La richiesta di accesso è scaduta, è già stata usata o è stata avviata da un altro browser. Per sicurezza non l'abbiamo accettata: ricomincia dalla pagina di accesso.",
  "oidc.error.provider_error":
    "Il gestore dell'identità non ha completato l'accesso (ad esempio perché l'hai annullato). Ricomincia dalla pagina di accesso.",
  "oidc.error.code":
    "Il codice di accesso ricevuto non è più valido (forse è già stato usato). Ricomincia dalla pagina di accesso.",
  "oidc.error.token":
    "La risposta del gestore dell'identità non ha superato i controlli di sicurezza (firma, emittente, destinatario o scadenza). Non ti abbiamo fatto entrare: riprova tra qualche minuto e, se si ripete, scrivi al SUAP.",
  "oidc.error.loa":
    "Il livello di sicurezza dell'accesso è troppo basso: per il portale SUAP serve SPID di livello 2 (o CIE). Riprova scegliendo l'accesso con conferma tramite app o SMS.",
  "oidc.error.fiscal_code":
    "Il gestore dell'identità non ci ha comunicato il tuo codice fiscale, che serve a riconoscerti. Riprova e acconsenti all'invio dei dati richiesti.",
  "oidc.error.unavailable":
    "Il servizio di accesso con SPID e CIE non risponde in questo momento. Riprova tra qualche minuto.",
  "login.spid": "Entra con SPID",
  "login.cie": "Entra con CIE",
  "login.spid.lead": "Imprese, professionisti e associazioni accedono con la propria identità digitale.",
  "login.spid.heading": "Accedi con SPID o CIE",
  "login.spid.help": "Non hai SPID?",
  "login.cie.help": "Non hai la CIE?",
  "login.staff.heading": "Personale del SUAP e degli enti",
  "login.staff.lead": "Accesso con email e password, per chi lavora le pratiche.",
  "login.error.useSpid":
    "Le imprese, i professionisti e le associazioni accedono con SPID o CIE: usa i pulsanti in questa pagina.",
  "login.renew": "Per confermare un invio con valore legale serve un accesso recente: accedi di nuovo.",
  "totp.verify.title": "Codice di verifica",
  "totp.verify.lead":
    "Apri l'app di autenticazione (ad esempio FreeOTP, Aegis o Google Authenticator) e scrivi il codice di 6 cifre che mostra per il portale SUAP.",
  "totp.verify.submit": "Verifica e accedi",
  "totp.code.label": "Codice",
  "totp.code.hint": "6 cifre dall'app, oppure uno dei codici di recupero (ad esempio ABCDE-FGHIJ).",
  "totp.code.hintEnrol": "Le 6 cifre che l'app mostra ora per il portale SUAP.",
  "totp.none":
    "Non c'è un accesso in attesa del codice in questo browser (è scaduto dopo 10 minuti o è già concluso): ricomincia dalla pagina di accesso.",
  "totp.enrol.title": "Attiva il secondo fattore",
  "totp.enrol.lead":
    "Chi lavora le pratiche accede con la password e con un codice che cambia ogni 30 secondi, generato da un'app sul telefono. La chiave qui sotto è mostrata solo ora: registrala nell'app.",
  "totp.enrol.step1": "Nell'app di autenticazione aggiungi un account inquadrando questo codice QR:",
  "totp.enrol.qrLabel": "Codice QR della chiave del secondo fattore",
  "totp.enrol.step2": "Se non puoi inquadrarlo, scrivi nell'app questa chiave (tipo: basato sul tempo):",
  "totp.enrol.step3": "Scrivi qui sotto il codice di 6 cifre che l'app mostra, per confermare.",
  "totp.enrol.submit": "Conferma e attiva",
  "totp.enrol.done": "Secondo fattore attivo",
  "totp.enrol.doneBanner":
    "Il secondo fattore è attivo: dal prossimo accesso ti chiederemo il codice dell'app.",
  "totp.recovery.heading": "I tuoi codici di recupero",
  "totp.recovery.lead":
    "Se perdi il telefono puoi accedere con uno di questi codici, ognuno una sola volta. Stampali o conservali in un luogo sicuro: non li mostreremo più.",
  "totp.recovery.continue": "Ho conservato i codici, continua",
  "totp.error.missing": "Scrivi il codice di 6 cifre che mostra l'app di autenticazione",
  "totp.error.invalid":
    "Il codice non è corretto o è scaduto: scrivi il codice che l'app mostra adesso (cambia ogni 30 secondi), oppure un codice di recupero non ancora usato",
  "totp.error.invalidEnrol":
    "Il codice non corrisponde alla chiave: controlla di aver registrato la chiave mostrata in questa pagina e che l'ora del telefono sia esatta, poi scrivi il codice che l'app mostra adesso",
  "totp.error.replayed":
    "Questo codice è già stato usato: aspetta che l'app ne mostri uno nuovo (al massimo 30 secondi) e scrivilo",
  "totp.error.throttled":
    "Troppi codici sbagliati. Per sicurezza riprova tra {minutes} minuti, oppure chiedi all'amministratore di azzerare il secondo fattore.",
  "account.title": "Accessi e sicurezza",
  "account.link": "Accessi e sicurezza (dispositivi collegati)",
  "account.sessions.heading": "Accessi attivi",
  "account.sessions.lead":
    "Questi sono i dispositivi e i browser in cui hai effettuato l'accesso e che non sono ancora scaduti. Se non riconosci un accesso, esci da tutti i dispositivi e, se usi la password, cambiala.",
  "account.sessions.caption": "I tuoi accessi attivi",
  "account.sessions.started": "Accesso del",
  "account.sessions.lastSeen": "Ultima attività",
  "account.sessions.method": "Modo di accesso",
  "account.sessions.current": "questo dispositivo",
  "account.sessions.endAll": "Esci da tutti i dispositivi",
  "account.sessions.endedAll": "Sei uscito da tutti i dispositivi: per continuare accedi di nuovo.",
  "account.method.spid": "SPID, livello {loa}",
  "account.method.cie": "CIE, livello {loa}",
  "account.method.oidc": "identità digitale, livello {loa}",
  "account.method.passwordTotp": "password e codice dell'app",
  "account.method.password": "password",
  "account.factor.heading": "Secondo fattore (codice dall'app)",
  "account.factor.on": "Attivo. Codici di recupero ancora utilizzabili: {left}.",
  "account.factor.off":
    "Non attivo: accedi solo con la password. Attivalo per proteggere le pratiche che lavori.",
  "account.factor.enrol": "Attiva il secondo fattore",
  "admin.people.title": "Persone e accessi",
  "admin.people.lead":
    "Cerca una persona per chiudere tutti i suoi accessi (dispositivo perso, persona che ha lasciato l'ufficio) o per azzerarne il secondo fattore.",
  "admin.people.link": "Persone e accessi",
  "admin.people.search": "Email, nome o codice fiscale",
  "admin.people.searchSubmit": "Cerca",
  "admin.people.none": "Nessuna persona corrisponde alla ricerca.",
  "admin.people.fiscalCode": "Codice fiscale",
  "admin.people.sessionsOf": "Accessi attivi di {name}",
  "admin.people.noSessions": "Nessun accesso attivo.",
  "admin.people.factorOn": "Secondo fattore attivo.",
  "admin.people.factorOff": "Secondo fattore non attivo.",
  "admin.people.revoke": "Chiudi tutti gli accessi di {name}",
  "admin.people.resetFactor": "Azzera il secondo fattore di {name}",
  "admin.people.revoked": "Accessi chiusi: {count}. La persona dovrà accedere di nuovo.",
  "admin.people.reset":
    "Secondo fattore azzerato e accessi chiusi: al prossimo accesso la persona lo attiverà di nuovo.",
};

export const en: Record<keyof typeof it, string> = {
  "register.error.nameLong":
    "The name can be at most 100 characters long: write only your first and last name",
  "register.error.nameCharacters":
    "The name contains characters that are not allowed (line breaks, tabs or invisible characters): type it again",
  "register.error.passwordEmail": "The password cannot contain your e-mail address: choose another one",
  "register.error.passwordDemo":
    "This password is public (it is the demo accounts' password): choose your own",
  "register.error.passwordRepeated":
    "The password is too simple (the same character or sequence repeated): use a phrase with different words",
  "register.sent.title": "Check your mail",
  "register.sent.text":
    "We have sent a message to the address you gave: it tells you how to sign in. If you cannot find it, check your spam folder.",
  "register.oidc":
    "Businesses, professionals and associations sign in with SPID or CIE: the first sign-in creates the account, no registration needed.",
  "business.link.title": "Add a business",
  "business.link.lead":
    "Enter the details of the business you file for, as recorded in the Business Register.",
  "business.link.action": "Add a business",
  "business.link.submit": "Add the business",
  "business.link.taken":
    "A business with this tax code is already registered on the portal: ask its legal representative to add you, or write to the SUAP",
  "business.link.added": "Business added.",
  "business.member.title": "Who can act for the business",
  "business.member.rep": "legal representative",
  "business.member.member": "person added by the legal representative",
  "business.member.fiscalCode": "Tax code of the person to add",
  "business.member.hint": "16 characters. The person must have signed in once with SPID or CIE.",
  "business.member.submit": "Add the person",
  "business.member.added": "Person added: they can now file for the business.",
  "oidc.error.title": "Sign-in failed",
  "oidc.error.retry": "Back to the sign-in page",
  "oidc.error.state":
    "The sign-in request has expired, was already used or was started in another browser. For your safety we did not accept it: start again from the sign-in page.",
  "oidc.error.provider_error":
    "The identity provider did not complete the sign-in (for example because you cancelled it). Start again from the sign-in page.",
  "oidc.error.code":
    "The sign-in code received is no longer valid (it may have been used already). Start again.",
  "oidc.error.token":
    "The identity provider's answer failed the security checks (signature, issuer, audience or expiry). You were not signed in: try again in a few minutes and, if it happens again, write to the SUAP.",
  "oidc.error.loa":
    "The sign-in's level of assurance is too low: the SUAP portal needs SPID level 2 (or CIE). Try again choosing confirmation by app or SMS.",
  "oidc.error.fiscal_code":
    "The identity provider did not send your tax code, which we need to recognise you. Try again and allow the requested data to be sent.",
  "oidc.error.unavailable":
    "Sign-in with SPID and CIE is not answering right now. Try again in a few minutes.",
  "login.spid": "Sign in with SPID",
  "login.cie": "Sign in with CIE",
  "login.spid.lead": "Businesses, professionals and associations sign in with their digital identity.",
  "login.spid.heading": "Sign in with SPID or CIE",
  "login.spid.help": "No SPID yet?",
  "login.cie.help": "No CIE yet?",
  "login.staff.heading": "SUAP and agency staff",
  "login.staff.lead": "E-mail and password, for those who handle the pratiche.",
  "login.error.useSpid":
    "Businesses, professionals and associations sign in with SPID or CIE: use the buttons on this page.",
  "login.renew": "Sending something with legal effect needs a recent sign-in: please sign in again.",
  "totp.verify.title": "Verification code",
  "totp.verify.lead":
    "Open your authenticator app (for example FreeOTP, Aegis or Google Authenticator) and type the 6-digit code it shows for the SUAP portal.",
  "totp.verify.submit": "Verify and sign in",
  "totp.code.label": "Code",
  "totp.code.hint": "6 digits from the app, or one of your recovery codes (for example ABCDE-FGHIJ).",
  "totp.code.hintEnrol": "The 6 digits the app shows now for the SUAP portal.",
  "totp.none":
    "No sign-in is waiting for a code in this browser (it expired after 10 minutes or is already complete): start again from the sign-in page.",
  "totp.enrol.title": "Turn on the second factor",
  "totp.enrol.lead":
    "Those who handle the pratiche sign in with their password and a code that changes every 30 seconds, made by an app on their phone. The key below is shown only now: add it to the app.",
  "totp.enrol.step1": "In your authenticator app add an account by scanning this QR code:",
  "totp.enrol.qrLabel": "QR code of the second factor's key",
  "totp.enrol.step2": "If you cannot scan it, type this key in the app (type: time based):",
  "totp.enrol.step3": "Type the 6-digit code the app shows below, to confirm.",
  "totp.enrol.submit": "Confirm and turn on",
  "totp.enrol.done": "Second factor on",
  "totp.enrol.doneBanner": "The second factor is on: from your next sign-in we will ask for the app's code.",
  "totp.recovery.heading": "Your recovery codes",
  "totp.recovery.lead":
    "If you lose your phone you can sign in with one of these codes, each once. Print them or keep them somewhere safe: we will not show them again.",
  "totp.recovery.continue": "I have kept the codes, continue",
  "totp.error.missing": "Type the 6-digit code your authenticator app shows",
  "totp.error.invalid":
    "The code is wrong or expired: type the code the app shows now (it changes every 30 seconds), or a recovery code not used yet",
  "totp.error.invalidEnrol":
    "The code does not match the key: check that you added the key shown on this page and that your phone's clock is right, then type the code the app shows now",
  "totp.error.replayed":
    "This code has already been used: wait for the app to show a new one (at most 30 seconds) and type it",
  "totp.error.throttled":
    "Too many wrong codes. For safety try again in {minutes} minutes, or ask the administrator to reset your second factor.",
  "account.title": "Sign-ins and security",
  "account.link": "Sign-ins and security (signed-in devices)",
  "account.sessions.heading": "Active sign-ins",
  "account.sessions.lead":
    "These are the devices and browsers where you are signed in and which have not expired yet. If you do not recognise one, sign out of every device and, if you use a password, change it.",
  "account.sessions.caption": "Your active sign-ins",
  "account.sessions.started": "Signed in on",
  "account.sessions.lastSeen": "Last activity",
  "account.sessions.method": "How",
  "account.sessions.current": "this device",
  "account.sessions.endAll": "Sign out of every device",
  "account.sessions.endedAll": "You are signed out of every device: sign in again to continue.",
  "account.method.spid": "SPID, level {loa}",
  "account.method.cie": "CIE, level {loa}",
  "account.method.oidc": "digital identity, level {loa}",
  "account.method.passwordTotp": "password and app code",
  "account.method.password": "password",
  "account.factor.heading": "Second factor (code from the app)",
  "account.factor.on": "On. Recovery codes still usable: {left}.",
  "account.factor.off":
    "Off: you sign in with your password only. Turn it on to protect the pratiche you handle.",
  "account.factor.enrol": "Turn on the second factor",
  "admin.people.title": "People and sign-ins",
  "admin.people.lead":
    "Look a person up to end all their sign-ins (a lost device, someone who left the office) or to reset their second factor.",
  "admin.people.link": "People and sign-ins",
  "admin.people.search": "E-mail, name or tax code",
  "admin.people.searchSubmit": "Search",
  "admin.people.none": "Nobody matches the search.",
  "admin.people.fiscalCode": "Tax code",
  "admin.people.sessionsOf": "Active sign-ins of {name}",
  "admin.people.noSessions": "No active sign-in.",
  "admin.people.factorOn": "Second factor on.",
  "admin.people.factorOff": "Second factor off.",
  "admin.people.revoke": "End every sign-in of {name}",
  "admin.people.resetFactor": "Reset the second factor of {name}",
  "admin.people.revoked": "Sign-ins ended: {count}. The person will have to sign in again.",
  "admin.people.reset":
    "Second factor reset and sign-ins ended: at the next sign-in the person turns it on again.",
};
